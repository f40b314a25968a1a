# Copyright: (c) 2026, herokuops.postgres contributors
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

"""changelogs/changelog.yaml is valid, and CHANGELOG.md is what antsibull-changelog generates from it (`make changelog`)."""

from __future__ import annotations

from conftest import REPO, run


def test_changelog_yaml_is_valid():
    done = run("antsibull-changelog", "lint-changelog-yaml", str(REPO / "changelogs" / "changelog.yaml"))
    assert done.stdout.strip() == "", done.stdout


def test_changelog_md_is_generated_from_changelog_yaml(tmp_path):
    run("antsibull-changelog", "generate", "--output", str(tmp_path / "CHANGELOG.md"), "--output-format", "md", cwd=REPO)
    assert (REPO / "CHANGELOG.md").read_text() == (tmp_path / "CHANGELOG.md").read_text(), "run `make changelog`"
