# Copyright: (c) 2026, herokuops.postgres contributors
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

"""The tarball `ansible-galaxy collection build` makes holds the collection and nothing of a working tree, and the
Galaxy importer (galaxy-importer, the code Galaxy runs on upload) accepts it."""

from __future__ import annotations

import json
import os
import tarfile

import yaml
from conftest import BIN, GALAXY, REPO, run

# What a checkout has beside the collection: virtualenvs, caches, build trees, ansible-test and pytest output,
# node modules, CI and development files.
SCRATCH = (".venv", ".cache", ".ci", ".ansible", "build", "node_modules", "tests/output", ".pytest_cache", "demo",
           "Makefile", "ansible.cfg", "requirements-dev.txt", "importer_result.json")
PUBLISHED = ("MANIFEST.json", "FILES.json", "README.md", "CHANGELOG.md", "changelogs/changelog.yaml",
             "meta/runtime.yml", "meta/execution-environment.yml", "requirements.txt", "bindep.txt",
             "LICENSES/GPL-3.0-or-later.txt", "LICENSES/BSD-2-Clause.txt", "docs/awx.md",
             "docs/execution-environment.yml", "plugins/modules/heroku_pg_info.py",
             "playbooks/upgrade_pg.yml", "roles/preflight/README.md", "roles/preflight/meta/argument_specs.yml")


def test_the_tarball_holds_the_collection_and_no_scratch(tarball):
    with tarfile.open(tarball) as archive:
        names = archive.getnames()
        manifest = json.load(archive.extractfile("MANIFEST.json"))
    assert not [n for n in names if any(n == s or n.startswith(f"{s}/") for s in SCRATCH)
                or "__pycache__" in n.split("/") or n.endswith((".pyc", ".tar.gz"))]
    assert not [p for p in PUBLISHED if p not in names]
    info = manifest["collection_info"]
    assert (info["namespace"], info["name"], info["version"]) == (GALAXY["namespace"], GALAXY["name"], GALAXY["version"])


def test_galaxy_importer_accepts_it(tarball, tmp_path):
    """As on upload, minus ansible-test in a container and ansible-lint, which `make sanity` and `make lint` run."""
    env = dict(os.environ, GALAXY_IMPORTER_CONFIG=str(REPO / ".ci" / "galaxy-importer.cfg"),
               PATH=f"{BIN}{os.pathsep}{os.environ['PATH']}")  # the importer runs the ansible-doc it finds on PATH
    done = run("python", "-m", "galaxy_importer.main", str(tarball), cwd=tmp_path, env=env)
    assert "Importer processing completed successfully" in done.stdout, done.stdout
    # Roles are described by meta/argument_specs.yml, which Galaxy does not read; any other warning is a finding.
    findings = [line for line in done.stdout.splitlines() if line.startswith(("WARNING", "ERROR"))
                and "Could not get role description" not in line]
    assert not findings, done.stdout
    result = json.loads((tmp_path / "importer_result.json").read_text())
    contents = {(c["content_type"], c["name"]) for c in result["contents"]}
    assert {("module", "heroku_pg_upgrade"), ("role", "preflight"), ("playbook", "upgrade_pg.yml")} <= contents, contents
    assert result["requires_ansible"] == yaml.safe_load((REPO / "meta" / "runtime.yml").read_text())["requires_ansible"]
