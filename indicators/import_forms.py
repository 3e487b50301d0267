"""Forms of the import of figures: the file, then the confirmation carrying the checked rows.
They check the input's shape; indicators.imports reads and checks the rows, and
indicators.services.observations_import writes them."""

from django import forms
from django.utils.formats import number_format
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from indicators.imports import MAX_ROWS
from mesa.forms import MesaForm

ACCEPTED_FILES = ".csv,.xlsx,text/csv,application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


class ImportUploadForm(MesaForm):
    file = forms.FileField(label=_("File with the figures"),
                           widget=forms.ClearableFileInput(attrs={"accept": ACCEPTED_FILES}))

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        # Built here, not at import time, so that it is in the language of the request.
        self.fields["file"].help_text = gettext(
            "A CSV file or an Excel spreadsheet (.xlsx), at most 2 MB and %(rows)s rows."
        ) % {"rows": number_format(MAX_ROWS, force_grouping=True)}


class ImportConfirmForm(MesaForm):
    """The rows of the preview travel signed (indicators.imports.sign_rows): nothing is kept
    on the server between the preview and the confirmation, and nothing can be slipped in."""

    token = forms.CharField(widget=forms.HiddenInput)
