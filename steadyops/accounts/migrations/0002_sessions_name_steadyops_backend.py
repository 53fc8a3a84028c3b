"""People signed in with a password keep their sessions: each session that names Django's model backend is
rewritten to name steadyops' own (steadyops.accounts.backends.ModelBackend), which settings now lists instead."""

from django.contrib.auth import BACKEND_SESSION_KEY
from django.db import migrations

OLD = "django.contrib.auth.backends.ModelBackend"
NEW = "steadyops.accounts.backends.ModelBackend"


def _rename(apps, schema_editor, old: str, new: str) -> None:
    from django.contrib.sessions.backends.db import SessionStore

    Session = apps.get_model("sessions", "Session")
    store = SessionStore()
    for session in Session.objects.using(schema_editor.connection.alias).iterator(chunk_size=1000):
        data = store.decode(session.session_data)
        if data.get(BACKEND_SESSION_KEY) == old:
            data[BACKEND_SESSION_KEY] = new
            session.session_data = store.encode(data)
            session.save(update_fields=["session_data"])


def forwards(apps, schema_editor):
    _rename(apps, schema_editor, OLD, NEW)


def backwards(apps, schema_editor):
    _rename(apps, schema_editor, NEW, OLD)


class Migration(migrations.Migration):
    dependencies = [
        ("accounts", "0001_initial"),
        ("sessions", "0001_initial"),
    ]

    operations = [migrations.RunPython(forwards, backwards)]
