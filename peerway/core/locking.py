"""The locking rule for writes that other rows are derived from (docs/decisions.md,
"Simultaneous writes").

A service that changes or deletes such a record locks its row and reads the record's
"before" state inside its transaction, from the locked row, never from the object a view
loaded earlier. Two requests on the same record then run one after the other; the second
sees what the first did (a state already moved, a row already deleted) and does nothing
or says why.
"""

from __future__ import annotations

from django.db import connection, models


def relock(obj: models.Model) -> bool:
    """Lock ``obj``'s row (``SELECT … FOR UPDATE``) and reload its fields into ``obj``
    (cached relations and prefetched rows are dropped, so they are read again). False when
    the row no longer exists. Call inside ``transaction.atomic()``."""
    if not connection.in_atomic_block:
        raise RuntimeError("relock() must run inside transaction.atomic()")
    try:
        obj.refresh_from_db(from_queryset=type(obj)._base_manager.select_for_update())
    except type(obj).DoesNotExist:
        return False
    return True
