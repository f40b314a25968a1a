# Copyright: (c) 2026, herokuops.postgres contributors
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

"""docs/execution-environment.yml, the documented execution environment, makes an ansible-builder build context.

No image is built (that needs a container registry). The context's own introspection script, which the image build
runs on the installed collections, is run here on the collection installed from the same tarball: it must find the
Python and system packages that meta/execution-environment.yml declares.
"""

from __future__ import annotations

import yaml
from conftest import REPO, run


def requirement_lines(path):
    return [line.split("#")[0].strip() for line in path.read_text().splitlines() if line.split("#")[0].strip()]


def test_ansible_builder_context_installs_the_collection_and_its_requirements(tarball, tmp_path):
    definition = yaml.safe_load((REPO / "docs" / "execution-environment.yml").read_text())
    # The documented definition, with the collection from this tarball instead of Galaxy.
    definition["additional_build_files"] = [{"src": str(tarball), "dest": "collections"}]
    definition["dependencies"]["galaxy"] = {"collections": [{"name": f"collections/{tarball.name}", "type": "file"}]}
    (tmp_path / "execution-environment.yml").write_text(yaml.safe_dump(definition))
    context = tmp_path / "context"
    run("ansible-builder", "create", "-f", str(tmp_path / "execution-environment.yml"), "-c", str(context),
        "--output-filename", "Containerfile")

    containerfile = (context / "Containerfile").read_text()
    assert "ansible-galaxy collection install" in containerfile and "introspect.py introspect" in containerfile
    assert yaml.safe_load((context / "_build" / "requirements.yml").read_text()) == definition["dependencies"]["galaxy"]
    assert (context / "_build" / "collections" / tarball.name).read_bytes() == tarball.read_bytes()

    # The image's galaxy stage (--force: the tests' ANSIBLE_COLLECTIONS_PATH already has the collection), then
    # its builder stage's introspection.
    installed = tmp_path / "installed"
    run("ansible-galaxy", "collection", "install", "--offline", "--force", "-p", str(installed), str(tarball))
    run("python", str(context / "_build" / "scripts" / "introspect.py"), "introspect", str(installed),
        "--write-pip", str(tmp_path / "pip.txt"), "--write-bindep", str(tmp_path / "bindep.txt"))
    assert requirement_lines(tmp_path / "pip.txt") == requirement_lines(REPO / "requirements.txt")
    assert requirement_lines(tmp_path / "bindep.txt") == requirement_lines(REPO / "bindep.txt")
