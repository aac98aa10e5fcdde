"""Keyed audit chain: store each event's key id and re-key the existing unkeyed chain.

The existing SHA-256 chain is verified first; an intact chain is re-chained with the
first of PEERWAY_AUDIT_KEYS and an ``audit.rekeyed`` event records how many events were
re-keyed and the old chain's last hash (docs/security.md, "Upgrading").
"""

from django.db import migrations, models


def rekey(apps, schema_editor):
    from peerway.core.audit import rekey_legacy_chain

    rekey_legacy_chain(
        apps.get_model("core", "AuditEvent"), apps.get_model("core", "AuditChainHead")
    )


class Migration(migrations.Migration):
    dependencies = [
        ("core", "0002_human_resources_role"),
    ]

    operations = [
        migrations.AddField(
            model_name="auditevent",
            name="key_id",
            field=models.CharField(blank=True, default="", editable=False, max_length=32),
        ),
        migrations.RunPython(rekey, migrations.RunPython.noop),
    ]
