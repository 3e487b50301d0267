"""Django's file email backend, a little slow, as a real mail server is: for the worker crash
test, so that the worker can be killed in the middle of a chunk."""

import time

from django.core.mail.backends import filebased

SECONDS_PER_MESSAGE = 0.015


class Backend(filebased.EmailBackend):
    def write_message(self, message):
        time.sleep(SECONDS_PER_MESSAGE)
        super().write_message(message)
