# Copyright: (c) 2026, herokuops.postgres contributors
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

"""`make chaos`: the reliability campaigns against herokusim, while dynos write; a table, and exit 1 on any failure.

    python tests/chaos/run.py [-n 2] [--quick] [--methods pg_copy,...] [--campaigns crash,faults,...] [--keep]
                              [--crash-sample N] [--crash-from TEXT]
                              [--compound-sample N] [--compound-seed S] [--compound-steps K]

secrets   a complete run of every method at -vvv (also the reference runs that list the tasks)
crash     for every task of every method from the first change to the last: SIGKILL when it starts, re-run; and
          on the methods that change the database in place, while waiting for window_start and after
          stop_after=prepared
faults    every method with 10% of requests answered 500/503 and 5% 429 (Retry-After)
bad-input wrong requests refused before any change; failures mid-run rolled back
compound  a crash, then in the re-run a 403, a 503 beyond the retries, a lost response, a revoked token or a
          second crash at a later task, then a final run: --compound-sample cases per method over both sides
          of the window, and one seeded case per method (several in a row; --compound-seed S replays them)
--quick is the subset `make test` runs: a few cases of each campaign, most on the methods that create no database,
and issue 16's double fault (a crash after the promote, then a 403 when the re-run unfollows) on two changeovers.
"""

from __future__ import annotations

import argparse
import sys
import time

import bad_input
import compound
import crash
import faults
import leaks
import window
from harness import Campaigns, Case, load, table
from methods import (ADDONS_UPGRADE_ESSENTIAL, ADDONS_UPGRADE_STANDARD, CHANGEOVER, METHODS, PG_UPGRADE_IN_PLACE,
                     PRIVATE_SPACE)

CAMPAIGNS = ("secrets", "crash", "faults", "bad-input", "compound")


def quick_cases():
    """Longest first. Methods that change the database in place need no reference run to know what they must
    leave; the two changeovers of issue 16 are checked against what a changeover leaves."""
    return [
        compound.issue_16_case(CHANGEOVER),
        compound.issue_16_case(PRIVATE_SPACE),
        crash.case(PG_UPGRADE_IN_PLACE, "cutover | Upgrade and wait", None, delay=1.5),
        window.prepared_case(ADDONS_UPGRADE_STANDARD),
        window.wait_case(ADDONS_UPGRADE_ESSENTIAL),
        crash.case(ADDONS_UPGRADE_ESSENTIAL, "finish | Note when the steps after the window started", None),
        leaks.case(ADDONS_UPGRADE_ESSENTIAL, []),
        faults.case(ADDONS_UPGRADE_ESSENTIAL),
        bad_input.refusals_case([r for r in bad_input.REFUSALS if r.name in QUICK_REFUSALS], "refusals (quick)"),
    ]


QUICK_REFUSALS = {"unknown app", "addons:upgrade to another tier", "pg_upgrade on mini", "invalid token",
                  "pg_copy over the size limit"}


def full_cases(campaigns, methods, runner, options):
    """The secrets campaign's runs come first: the crash, faults and compound campaigns take their task lists
    and what they left from them."""
    references = []
    done = []
    if {"secrets", "crash", "faults", "compound"} & set(campaigns):
        done += runner.run([leaks.case(m, references) for m in methods])
        if "secrets" not in campaigns:
            done = []
    by_method = {ref.method.name: ref for ref in references}
    cases = []
    if "bad-input" in campaigns:
        half = len(bad_input.REFUSALS) // 2
        cases += [bad_input.refusals_case(bad_input.REFUSALS[:half], "refusals 1"),
                  bad_input.refusals_case(bad_input.REFUSALS[half:], "refusals 2")]
        cases += [bad_input.mid_run_case(failure) for failure in bad_input.MID_RUN]
    for method in methods:
        reference = by_method.get(method.name)
        if reference is None and {"crash", "faults", "compound"} & set(campaigns):
            cases.append(Case("crash", f"{method.name}: no reference run", _no_reference))
            continue
        if "faults" in campaigns:
            cases.append(faults.case(method, reference))
    found = [by_method[m.name] for m in methods if m.name in by_method]
    if "crash" in campaigns:
        cases += crash.cases(found, options.crash_sample, options.crash_from)
        cases += [case for m in methods for case in (window.wait_case(m), window.prepared_case(m))
                  if not m.new_primary]
    if "compound" in campaigns:
        if options.compound_seed is None:
            cases += compound.cases(found, options.compound_sample)
        cases += compound.seeded_cases(found, options.compound_seed, options.compound_steps)
    return done + runner.run(cases)


def _no_reference(_workdir):
    raise AssertionError("the complete run of this method failed (see the secrets campaign): no task list")


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("-n", "--jobs", type=int, default=1, help="cases at once (at most 2 on a 2-core machine)")
    parser.add_argument("--quick", action="store_true", help="the subset of `make test`")
    parser.add_argument("--methods", default=",".join(METHODS), help="comma-separated: " + ", ".join(METHODS))
    parser.add_argument("--campaigns", default=",".join(CAMPAIGNS), help="comma-separated: " + ", ".join(CAMPAIGNS))
    parser.add_argument("--crash-sample", type=int, help="only this many crash points per method, evenly spread")
    parser.add_argument("--crash-from", help="only the crash points from the first task whose name contains this")
    parser.add_argument("--compound-sample", type=int, default=10,
                        help="compound cases per method, half on each side of the window (default 10)")
    parser.add_argument("--compound-seed", type=int,
                        help="only the seeded compound case of each method, with this seed (one is drawn otherwise)")
    parser.add_argument("--compound-steps", type=int, default=4, help="events in a seeded compound case (default 4)")
    parser.add_argument("--keep", action="store_true", help="keep the work directories of passed cases too")
    args = parser.parse_args(argv)
    runner = Campaigns(args.jobs, args.keep)
    started = time.monotonic()
    print(f"chaos: {'quick subset' if args.quick else args.campaigns}, -n {args.jobs}, load {load():.1f}, "
          f"work in {runner.root}", flush=True)
    if args.quick:
        cases = runner.run(quick_cases())
    else:
        cases = full_cases(args.campaigns.split(","), [METHODS[m] for m in args.methods.split(",")], runner, args)
    print("\n" + table(cases, time.monotonic() - started))
    failed = [case for case in cases if not case.passed]
    for case in failed:
        print(f"FAILED {case.campaign} {case.name}: {case.outcome}")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
