# Copyright: (c) 2026, herokuops.postgres contributors
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

from __future__ import annotations

__metaclass__ = type

from ansible_collections.herokuops.postgres.plugins.plugin_utils._progress import ProgressAction


class ActionModule(ProgressAction):
    """Runs module heroku_pg_advanced, printing a progress line at least every minute while it waits."""
