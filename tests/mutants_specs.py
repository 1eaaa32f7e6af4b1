"""Deliberately broken variants of the other built-in specs (VRRP, three nodes), in the
same form as ``mutants.py``: each names its bug and the property that must catch it."""

from __future__ import annotations

import copy
from dataclasses import dataclass
from typing import Callable

from hapair import specs


@dataclass(frozen=True)
class Mutant:
    spec: str
    name: str
    bug: str
    caught_by: str
    mutate: Callable[[dict], None]


def row(data: dict, trigger: str) -> dict:
    return next(r for m in data["machines"] for r in m["transitions"] if r["trigger"] == trigger)


def _set(trigger: str, **changes):
    def mutate(data: dict) -> None:
        row(data, trigger).update(copy.deepcopy(changes))
    return mutate


def _drop(trigger: str, key: str):
    def mutate(data: dict) -> None:
        del row(data, trigger)[key]
    return mutate


def _remove(trigger: str):
    """The row never fires (as if deleted; the trigger stays, so properties naming it
    still load)."""
    return _set(trigger, conditions="False")


MUTANTS = [
    Mutant("vrrp", "PreemptLowerPriority", "a backup preempts a master that outranks it",
           "PreemptionOnlyByHigherPriority",
           _set("preempt", conditions=["hears_peer", "peer.state == 'master'",
                                       "self.preempt"])),
    Mutant("vrrp", "PreemptIgnoresSetting", "a backup preempts with preemption off",
           "PreemptionOnlyByHigherPriority",
           _set("preempt", conditions=["hears_peer", "peer.state == 'master'",
                                       "outranks_peer"])),
    Mutant("vrrp", "MasterDownDespiteMaster", "Master_Down fires while a master is heard",
           "TakeoverOnlyWithoutMaster", _drop("master_down", "conditions")),
    Mutant("vrrp", "PreemptKeepsOldMaster", "the preempted master stays master",
           "OneMasterWhenConnected", _drop("preempt", "effects")),
    Mutant("vrrp", "NoYield", "two masters that hear each other never resolve",
           "TwoMastersResolved", _remove("yield_master")),
    Mutant("vrrp", "PriorityOverflow", "the priority is raised past its range",
           "EffectsInDomain", _drop("raise_priority", "conditions")),
    Mutant("trio", "ElectedWithoutMajority", "a candidate alone becomes leader",
           "ElectedByMajority", _set("elected", conditions=[
               "not any(o.role == 'leader' for o in others)"])),
    Mutant("trio", "CandidatesKeepCampaigning", "the other candidates do not follow",
           "NoCandidateBesideLeader", _drop("elected", "effects")),
    Mutant("trio", "TwoLeaders", "a follower campaigns and is elected beside a leader",
           "AtMostOneLeader", lambda d: (
               _drop("campaign", "conditions")(d),
               _set("elected", conditions=["count(o.role != 'down' for o in others) >= 1"])(d))),
    Mutant("trio", "LeaderNeverStepsDown", "a leader alone stays leader",
           "LeaderWithoutMajorityStepsDown", _remove("step_down")),
]


def build(m: Mutant) -> dict:
    data = copy.deepcopy(specs.read(m.spec)[0])
    m.mutate(data)
    return data
