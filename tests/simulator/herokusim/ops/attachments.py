"""Add-on attachments: attach, replace (promote), detach, and connection pools."""
from __future__ import annotations

from .. import clock
from ..errors import confirmation_required, invalid
from ..model import Addon, App, Attachment
from ..naming import colour_attachment, free_colour
from ..sim import Simulator

DEFAULT_POOL = "DATABASE_CONNECTION_POOL"


def attach(sim: Simulator, addon: Addon, app: App, name: str | None = None,
           namespace: str | None = None, confirm: str | None = None,
           restart: bool = True) -> Attachment:
    """POST /addon-attachments. Replacing a name in use (promote does this with `DATABASE`)
    needs `confirm` equal to the app's name; it detaches the old one in its own release."""
    store = sim.store
    with store.lock:
        if name is None:
            name = colour_attachment(free_colour(store, app.name, addon.colour))
        if not _valid_name(name):
            raise invalid(f"Name must start with a letter and contain only uppercase letters, "
                          f"numbers and underscores: {name}")
        existing = store.attachment_named(app.name, name, namespace)
        if existing is not None and existing.addon_id == addon.id:
            raise invalid(f"{addon.name} is already attached to {app.name} as {name}.")
        if existing is not None and confirm != app.name:
            old = store.addons[existing.addon_id]
            raise confirmation_required(
                f"The attachment name {name} is already used by {old.name} on {app.name}. "
                f"To replace it, confirm with the app name.")
        if existing is not None:
            detach(sim, existing, restart=False)
        att = Attachment(clock.new_id(), name, addon.id, app.name, namespace)
        store.attachments[att.id] = att
    sim.release(app, f"Attach {name} (@ref:{addon.name})", restart=restart)
    return att


def detach(sim: Simulator, att: Attachment, restart: bool = True) -> None:
    with sim.store.lock:
        sim.store.attachments.pop(att.id, None)
        addon = sim.store.addons[att.addon_id]
        app = sim.store.apps[att.app]
    sim.release(app, f"Detach {att.name} (@ref:{addon.name})", restart=restart)


def attach_pool(sim: Simulator, addon: Addon, app: App, name: str | None) -> Attachment:
    """POST /client/v11/databases/{addon}/connection-pooling."""
    if not addon.plan.production:
        raise invalid("You can't perform this operation on Essential-tier databases.")
    return attach(sim, addon, app, name or DEFAULT_POOL, "connection-pooling:default")


def _valid_name(name: str) -> bool:
    return bool(name) and name[0].isalpha() and all(c.isupper() or c.isdigit() or c == "_" for c in name)
