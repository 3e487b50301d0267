"""A due reminder's key now ends with the due date it is about (reminders.commitment_planner.due_key).
Existing rows are taken to be about their commitment's current due date."""

from django.db import migrations


class Migration(migrations.Migration):

    dependencies = [
        ("commitments", "0002_follow"),
        ("reminders", "0003_preferences_channels_follow_kinds"),
    ]

    operations = [
        migrations.RunSQL(
            "UPDATE reminders_reminder AS r SET key = r.key || ':' || to_char(c.due_on, 'YYYY-MM-DD')"
            " FROM commitments_commitment AS c"
            " WHERE r.commitment_id = c.id AND r.kind = 'commitment_due' AND r.key ~ ':[0-9]+d$'",
            "UPDATE reminders_reminder SET key = regexp_replace(key, ':[0-9]{4}-[0-9]{2}-[0-9]{2}$', '')"
            " WHERE kind = 'commitment_due'",
        ),
    ]
