#!/usr/bin/python
# Copyright: (c) 2026, herokuops.postgres contributors
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

from __future__ import annotations

__metaclass__ = type

DOCUMENTATION = r"""
module: heroku_pg_copy
short_description: Copy one Heroku Postgres database onto another
version_added: 0.1.0
description:
  - Copies every table of a source database onto a target database with a Heroku transfer, like
    C(heroku pg:copy SOURCE TARGET), and waits until the copy has finished. Everything in the target is
    replaced. This is the data copy method of major version upgrades and plan changes.
  - Only the data the default credential can read is copied; the module warns when the source has other
    credentials.
  - Refused before anything is changed, also in check mode, when the source or the target is on a Shield
    plan (Heroku has no PGBackups there), when the source is larger than O(max_source_bytes), when the
    target is a follower, and unless O(confirm) names the target.
  - "How a finished copy is recognised, so that a re-run does not copy again: the target's transfer list
    (C(GET /client/v11/apps/APP/transfers), APP being the target's billing app) holds a transfer from the
    source add-on to the target add-on, by add-on name, created no earlier than the target add-on. If it
    succeeded, nothing is done (C(changed=false)); if it is still running, the module waits for it instead
    of starting another; if it failed, the copy is made again. To copy again anyway, use a new target."
  - The database URLs the transfer needs are read from the apps' config vars. They are sent to Heroku only
    in the transfer request and never appear in the module's result, failure messages or logs.
author:
  - herokuops.postgres contributors (@herokuops)
options:
  app:
    description:
      - Name or id of the app the databases are attached to.
      - Either database can be on another app with the V(otherapp::NAME) form.
    type: str
    required: true
  source:
    description:
      - The database to copy, in any form the Heroku CLI accepts. A config var (V(DATABASE_URL)), an
        attachment name (V(HEROKU_POSTGRESQL_WHITE)), an add-on name, or V(otherapp::NAME).
    type: str
    required: true
  target:
    description:
      - The database to overwrite, in the same forms as O(source).
    type: str
    required: true
  confirm:
    description:
      - Must equal the target's short name, as C(heroku pg:copy --confirm) asks for it (the attachment
        name without C(HEROKU_POSTGRESQL_) and C(_URL), for example V(WHITE) or V(DATABASE)), or the
        target add-on's name. Anything else is refused, since the copy destroys the target's data.
    type: str
    required: true
  max_source_bytes:
    description:
      - Refuse to copy a source larger than this many bytes (its size as C(pg:info) reports it).
      - Heroku recommends the copy method only below 10 GB; a copy takes about 3 minutes per GB, all
        within the maintenance window. Raise it knowingly.
    type: int
    default: 10737418240
  wait:
    description:
      - Wait until the copy has finished, and fail with the transfer's last log lines if it did not succeed.
extends_documentation_fragment:
  - herokuops.postgres.heroku
  - herokuops.postgres.wait
  - herokuops.postgres.attributes
attributes:
  check_mode:
    support: full
  diff_mode:
    support: full
  idempotent:
    support: full
    details:
      - Recognises its own finished copy by the rule in the description.
notes:
  - Looking up O(source) and O(target) asks Heroku's attachment resolver, a read-only
    C(POST /actions/addon-attachments/resolve).
  - Stop every writer of the source before copying (maintenance mode and no dynos), or the target
    misses the writes made during the copy.
seealso:
  - module: herokuops.postgres.heroku_addon
  - module: herokuops.postgres.heroku_pg_promote
  - name: Upgrading with pg:copy
    description: Heroku Dev Center article on the data copy method.
    link: https://devcenter.heroku.com/articles/upgrading-heroku-postgres-databases
"""

EXAMPLES = r"""
- name: Copy the primary onto the new database (in the maintenance window)
  herokuops.postgres.heroku_pg_copy:
    app: sushi
    source: DATABASE_URL
    target: HEROKU_POSTGRESQL_WHITE_URL
    confirm: WHITE
    wait_timeout: 3600

- name: Copy a 25 GB database knowingly
  herokuops.postgres.heroku_pg_copy:
    app: sushi
    source: DATABASE_URL
    target: postgresql-curved-67890
    confirm: postgresql-curved-67890
    max_source_bytes: 30000000000
"""

RETURN = r"""
source:
  description: The database copied.
  returned: success
  type: dict
  contains:
    addon_id:
      description: Id of the add-on.
      type: str
    name:
      description: Name of the add-on.
      type: str
      sample: postgresql-shaped-12345
    app:
      description: The app whose config var gave the database's URL.
      type: str
      sample: sushi
    attachment:
      description: The attachment name the database was found by.
      type: str
      sample: DATABASE
  sample: {"addon_id": "01234567-89ab-cdef-0123-456789abcdef", "name": "postgresql-shaped-12345",
           "app": "sushi", "attachment": "DATABASE"}
target:
  description: The database overwritten, with the same keys as RV(source).
  returned: success
  type: dict
  sample: {"addon_id": "89abcdef-0123-4567-89ab-cdef01234567", "name": "postgresql-curved-67890",
           "app": "sushi", "attachment": "HEROKU_POSTGRESQL_WHITE"}
source_bytes:
  description: Size of the source in bytes when the task checked it; V(null) when it did not need to.
  returned: success
  type: int
  sample: 104857600
copied:
  description: Whether this task started a copy (or would, in check mode).
  returned: success
  type: bool
transfer:
  description:
    - The transfer that copied (or is copying) the source onto the target; V(null) in check mode when
      there is none yet.
  returned: success
  type: dict
  contains:
    uuid:
      description: Id of the transfer.
      type: str
    num:
      description: Number of the transfer, as C(pg:backups) shows it.
      type: int
    from_name:
      description: The source's name in the transfer.
      type: str
    to_name:
      description: The target's name in the transfer.
      type: str
    processed_bytes:
      description: Bytes copied so far.
      type: int
    succeeded:
      description: Whether it succeeded; V(null) until it has finished.
      type: bool
    created_at:
      description: When it was created, as the data API writes times.
      type: str
    started_at:
      description: When it started.
      type: str
    finished_at:
      description: When it finished; V(null) until then.
      type: str
  sample: {"uuid": "6a1c...", "num": 3, "from_name": "postgresql-shaped-12345", "to_name": "postgresql-curved-67890",
           "processed_bytes": 104857600, "succeeded": true, "created_at": "2026-03-02 21:30:00 +0000",
           "started_at": "2026-03-02 21:30:01 +0000", "finished_at": "2026-03-02 21:35:12 +0000"}
duration:
  description: Seconds spent waiting.
  returned: success
  type: float
  sample: 311.0
api_calls:
  description:
    - The Heroku API calls made, in order; in check mode also those that would have been made,
      with C(planned=true). Paths only, never bodies or credentials.
  returned: always
  type: list
  elements: dict
  sample: [{"method": "POST", "path": "/client/v11/databases/89abcdef-0123-4567-89ab-cdef01234567/transfers",
            "host": "data", "status": 201, "duration": 0.3, "request_id": "8c1f...", "retries": 0, "planned": false}]
"""

from urllib.parse import quote

from ansible_collections.herokuops.postgres.plugins.module_utils._module import HerokuModule
from ansible_collections.herokuops.postgres.plugins.module_utils._pginfo import _safe_text as safe_text
from ansible_collections.herokuops.postgres.plugins.module_utils._pginfo import database_info
from ansible_collections.herokuops.postgres.plugins.module_utils._names import attachment_name, plan_tier
from ansible_collections.herokuops.postgres.plugins.module_utils._times import parse_time

TRANSFER_KEYS = ("uuid", "num", "from_name", "to_name", "processed_bytes", "succeeded", "created_at", "started_at",
                 "finished_at")
LOG_LINES = 5


def short_name(attachment):
    """What pg:copy asks to confirm: WHITE for HEROKU_POSTGRESQL_WHITE(_URL), DATABASE for DATABASE_URL."""
    name = attachment_name(attachment)
    return name[len("HEROKU_POSTGRESQL_"):] if name.startswith("HEROKU_POSTGRESQL_") else name


def summary(transfer):
    return {key: transfer.get(key) for key in TRANSFER_KEYS} if transfer else None


class Copy:
    def __init__(self, module, source, target):
        self.module = module
        self.client = module.client
        self.source = source
        self.target = target
        self.src = source["addon"]
        self.dst = target["addon"]
        self.app_path = f"/client/v11/apps/{quote(self.dst['app']['name'], safe='')}/transfers"

    def side(self, attachment):
        return {"addon_id": attachment["addon"]["id"], "name": attachment["addon"]["name"],
                "app": attachment["app"]["name"], "attachment": attachment["name"]}

    def ours(self, transfer, since):
        """A transfer from the source add-on to the target add-on, made no earlier than the target."""
        if transfer.get("from_name") != self.src["name"] or transfer.get("to_name") != self.dst["name"]:
            return False
        created = parse_time(transfer.get("created_at"))
        # An unreadable time counts as ours: copying again over a target in use would destroy its data.
        return created is None or since is None or created >= since

    def earlier(self):
        """The newest of this module's transfers onto the current target add-on, or None."""
        addon = self.module.call(f"Reading add-on {self.dst['name']}", self.client.get,
                                 f"/addons/{quote(self.dst['id'], safe='')}")
        since = parse_time(addon.get("created_at"))
        transfers = self.list()
        mine = [t for t in transfers if self.ours(t, since)]
        return max(mine, key=lambda t: t.get("num") or 0) if mine else None, {t["uuid"] for t in transfers}

    def list(self):
        return self.module.call(f"Listing the transfers of {self.dst['app']['name']}", self.client.get_all,
                                self.app_path)

    def warn_credentials(self):
        credentials = self.module.call(f"Listing the credentials of {self.src['name']}", self.client.get,
                                       f"/postgres/v0/databases/{quote(self.src['name'], safe='')}/credentials")
        if len(credentials or []) > 1:
            self.module.module.warn(f"{self.src['name']} has {len(credentials)} credentials: only the data the "
                                    "default credential can read is copied.")

    def start(self, known):
        """POST the transfer; if its outcome is unknown, adopt a new transfer of ours, and send it again only when there is none."""
        from_url, to_url = self.module.database_url(self.source), self.module.database_url(self.target)
        if from_url == to_url:
            self.module.refuse("Cannot copy database onto itself. Nothing was changed.")
        path = f"/client/v11/databases/{quote(self.dst['id'], safe='')}/transfers"
        body = {"from_name": self.src["name"], "from_url": from_url, "to_name": self.dst["name"], "to_url": to_url}
        doing = f"Starting the copy of {self.src['name']} onto {self.dst['name']}"

        def made():
            new = [t for t in self.list() if t["uuid"] not in known and self.ours(t, None)]
            if len(new) > 1:
                self.module.fail(doing, f"{len(new)} new transfers onto {self.dst['name']} appeared meanwhile")
            return new[0] if new else None

        return self.module.write(doing, "POST", path, body, recover=made)

    def wait(self, transfer):
        path = f"{self.app_path}/{quote(transfer['uuid'], safe='')}"
        waited = self.module.wait(
            f"Waiting for the copy of {self.src['name']} onto {self.dst['name']}", lambda: self.client.get(path),
            lambda now: bool(now.get("finished_at")), f"transfer {transfer.get('num')} to finish",
            describe=lambda now: (f"{now.get('processed_bytes')} bytes copied" if now.get("started_at")
                                  else "pending"),
            progress=lambda now: ({"value": now["processed_bytes"], "unit": "bytes",
                                   "target": now.get("source_bytes") or self.module.result.get("source_bytes")}
                                  if now.get("started_at") and isinstance(now.get("processed_bytes"), int) else None))
        transfer = waited.value
        if not transfer.get("succeeded"):
            verbose = self.module.call(f"Reading the logs of transfer {transfer.get('num')}", self.client.get,
                                       f"{path}?verbose=true")
            lines = [safe_text(entry.get("message")) for entry in (verbose.get("logs") or [])[-LOG_LINES:]]
            self.module.result.update(transfer=summary(transfer), duration=waited.duration)
            self.module.fail(f"Copying {self.src['name']} onto {self.dst['name']}",
                             f"transfer {transfer.get('num')} did not succeed; its last log lines: "
                             + " | ".join(line for line in lines if line))
        return transfer, waited.duration


def main():
    module = HerokuModule(
        {
            "app": {"type": "str", "required": True},
            "source": {"type": "str", "required": True},
            "target": {"type": "str", "required": True},
            "confirm": {"type": "str", "required": True},
            "max_source_bytes": {"type": "int", "default": 10 * 1024 ** 3},
        },
        wait=True,
    )
    params = module.params
    copy = Copy(module, module.resolve(params["app"], params["source"]), module.resolve(params["app"], params["target"]))
    src, dst = copy.src, copy.dst
    # In self.result, so that refusals and failures also say which databases were meant.
    result = module.result
    result.update(source=copy.side(copy.source), target=copy.side(copy.target), source_bytes=None, copied=False,
                  transfer=None, duration=0.0)
    if src["id"] == dst["id"]:
        module.refuse("Cannot copy database onto itself. Nothing was changed.")
    for role, addon in (("source", src), ("target", dst)):
        if plan_tier(addon["plan"]["name"]) == "shield":
            module.refuse(f"Refusing to copy: the {role} {addon['name']} is on a Shield plan "
                          f"({addon['plan']['name']}), where Heroku offers no pg:copy. Nothing was changed.")
    short = short_name(copy.target["name"])
    if params["confirm"] not in (short, dst["name"]):
        module.refuse(f"This copy destroys every table of {dst['name']}: set confirm to {short} (or {dst['name']}) "
                      f"to go ahead. Nothing was changed.")

    transfer, known = copy.earlier()
    result["transfer"] = summary(transfer)
    done = bool(transfer and transfer.get("succeeded"))
    module.set_diff({"target": dst["name"], "copy_of": src["name"] if done else None},
                    {"target": dst["name"], "copy_of": src["name"]})
    if done:
        module.exit()
    if not transfer or transfer.get("finished_at"):
        source_db = module.call(f"Reading database {src['name']}", database_info, module.client, src["id"])
        result["source_bytes"] = size = source_db["num_bytes"]
        if size is None or size > params["max_source_bytes"]:
            module.refuse(f"Refusing to copy {src['name']}: its size ({size} bytes) is "
                          f"{'unknown' if size is None else 'over max_source_bytes'} ({params['max_source_bytes']}). "
                          "pg:copy takes about 3 minutes per GB; raise max_source_bytes knowingly. "
                          "Nothing was changed.")
        target_db = module.call(f"Reading database {dst['name']}", database_info, module.client, dst["id"])
        if target_db["following"]:
            module.refuse(f"Refusing to copy onto {dst['name']}: it is a read-only follower. Nothing was changed.")
        copy.warn_credentials()
        transfer = copy.start(known)
        result.update(copied=True, transfer=summary(transfer))
    if transfer and params["wait"] and not module.check_mode:
        transfer, result["duration"] = copy.wait(transfer)
        result["transfer"] = summary(transfer)
    module.exit()


if __name__ == "__main__":
    main()
