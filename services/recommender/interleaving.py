"""Team-draft interleaving (Radlinski, Kurup & Joachims 2008): one feed drafted from two rankings.

Each round the team with fewer picks so far (a coin flip on a tie) adds its best paper not already
in the feed, and the paper remembers its team. A click or star is credited to the team that put the
paper there; the team whose papers win more of a reader's engagement is preferred by that reader.
Both variants are judged on the same reader, at the same moment, on the same feed, which removes the
between-reader variance an A/B split must average out: far fewer readers find the same difference.
"""

from __future__ import annotations

import random
from collections.abc import Callable, Sequence

from services.config import Settings
from services.recommender.experiments import Treatment
from services.recommender.ranking import Candidate


def team_draft(a: Sequence[Candidate], b: Sequence[Candidate], names: tuple[str, str], size: int,
               rng: random.Random) -> tuple[list[Candidate], list[str]]:
    """Up to ``size`` distinct papers drafted from rankings ``a`` and ``b``; returns them and each one's
    team (``names[0]`` for a, ``names[1]`` for b). A team whose list runs out lets the other continue."""
    lists = (list(a), list(b))
    at = [0, 0]
    picks = [0, 0]
    chosen: list[Candidate] = []
    teams: list[str] = []
    taken: set[str] = set()
    while len(chosen) < size:
        first = 0 if picks[0] < picks[1] or (picks[0] == picks[1] and rng.random() < 0.5) else 1
        for team in (first, 1 - first):
            ranking = lists[team]
            while at[team] < len(ranking) and ranking[at[team]].paper_id in taken:
                at[team] += 1
            if at[team] < len(ranking):
                candidate = ranking[at[team]]
                chosen.append(candidate)
                teams.append(names[team])
                taken.add(candidate.paper_id)
                picks[team] += 1
                break
        else:
            break  # both lists exhausted
    return chosen, teams


def rank_treated(rank: Callable[[Settings], list[Candidate]], treatment: Treatment, rng: random.Random | None = None
                 ) -> tuple[list[Candidate], list[str] | None]:
    """The feed's ranked list under ``treatment``: ``rank(settings)`` once, or twice and drafted into one
    list when the reader is in an interleaved experiment (then also each paper's team)."""
    if treatment.interleave is None:
        return rank(treatment.settings), None
    (name_a, settings_a), (name_b, settings_b) = treatment.interleave.teams
    return team_draft(rank(settings_a), rank(settings_b), (name_a, name_b), treatment.settings.feed_size,
                      rng or random.Random())  # nosec B311  # not for security: sampling/jitter
