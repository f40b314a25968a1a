"""Heroku's naming: colours, add-on names, attachment names and the two resolvers."""
from __future__ import annotations

import random
import re

from .model import Addon, Attachment, Store

COLOURS = ("AMBER", "AQUA", "BLACK", "BLUE", "BRONZE", "BROWN", "CHARCOAL", "COBALT", "COPPER",
           "CRIMSON", "CYAN", "GOLD", "GRAY", "GREEN", "IVORY", "JADE", "LAVENDER", "MAROON",
           "MAUVE", "NAVY", "OLIVE", "ONYX", "ORANGE", "PINK", "PUCE", "PURPLE", "RED", "ROSE",
           "SILVER", "TEAL", "WHITE", "YELLOW")
_ADJECTIVES = ("shaped", "rigid", "cubic", "solid", "curved", "angular", "flat", "round",
               "convex", "concave", "clear", "opaque", "silent", "defined", "spherical")
APP_SPLIT = re.compile(r"^(.+?)::(.+)$")
COLOUR_NAME = re.compile(r"^HEROKU_POSTGRESQL_([A-Z]+)$")


def colour_attachment(colour: str) -> str:
    return f"HEROKU_POSTGRESQL_{colour}"


def colour_from_name(name: str) -> str | None:
    match = COLOUR_NAME.match(name)
    return match.group(1) if match and match.group(1) in COLOURS else None


def new_addon_name(store: Store) -> str:
    while True:
        name = f"postgresql-{random.choice(_ADJECTIVES)}-{random.randint(10000, 99999)}"
        if store.addon(name) is None:
            return name


def free_colour(store: Store, app: str, preferred: str | None = None) -> str:
    """A colour no attachment on `app` uses yet, `preferred` when it is free."""
    used = {colour_from_name(a.name) for a in store.attachments_of_app(app)}
    used |= {a.colour for a in store.live_addons() if a.app == app}
    if preferred and colour_attachment(preferred) not in {a.name for a in store.attachments_of_app(app)}:
        return preferred
    free = [c for c in COLOURS if c not in used]
    return random.choice(free or list(COLOURS))


def _strip_url(name: str) -> str:
    return name[:-4] if name.endswith("_URL") else name


def resolve_attachments(store: Store, ident: str, app: str | None) -> list[Attachment]:
    """POST /actions/addon-attachments/resolve: by attachment name (with or without `_URL`),
    by add-on name or id (all that add-on's attachments on the app), `app::name` included."""
    match = APP_SPLIT.match(ident)
    if match:
        app, ident = match.groups()
    name = _strip_url(ident)
    pool = store.attachments_of_app(app) if app else list(store.attachments.values())
    by_name = [a for a in pool if a.name == name]
    if by_name:
        return by_name
    addon = store.addon(ident)
    if addon is None:
        return []
    return [a for a in pool if a.addon_id == addon.id]


def resolve_addons(store: Store, ident: str, app: str | None) -> list[Addon]:
    """POST /actions/addons/resolve: by add-on id or name (global), or an attachment name on
    the app (`DATABASE`, `HEROKU_POSTGRESQL_WHITE_URL`), `app::name` included."""
    match = APP_SPLIT.match(ident)
    if match:
        app, ident = match.groups()
    addon = store.addon(ident)
    if addon is not None:
        return [addon] if app is None or addon.app == app or _attached(store, addon, app) else []
    if app is None:
        return []
    found = {a.addon_id for a in store.attachments_of_app(app) if a.name == _strip_url(ident)}
    return [store.addons[i] for i in found if store.addon(i)]


def _attached(store: Store, addon: Addon, app: str) -> bool:
    return any(a.app == app for a in store.attachments_of_addon(addon.id))
