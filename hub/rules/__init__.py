"""Risk profiles as data: load, check, compile, index and evaluate them.

Shared by every agency: an agency's profiles and reference lists are files,
read by :func:`load_profiles` and :func:`load_reference`, compiled once into a
:class:`RuleSet` and evaluated against each canonical declaration::

    profiles = load_profiles(Path("agencies/phyto/profiles"))
    references = ReferenceData(load_reference(p) for p in reference_files)
    rules = RuleSet.compile(profiles, references)
    findings = rules.evaluate(declaration, at=now)

A profile file (YAML or JSON) holds one profile, or a list of them. Every
refusal names the file, the line and the field (``when.commodity[1]``).
"""

from hub.rules.cel import CelEnvironment, CelProgram, ExpressionError, check_expression
from hub.rules.load import load_profile, load_profiles, parse_profile, parse_profiles
from hub.rules.profile import (
    Assessment,
    Conditions,
    Level,
    Likelihood,
    ProfileStatus,
    RiskProfile,
    Scope,
    Screening,
    Validity,
)
from hub.rules.reference import (
    CodesList,
    RatingEntry,
    RatingsList,
    ReferenceData,
    ReferenceKind,
    ReferenceList,
    ValuationEntry,
    ValuationList,
    WatchKind,
    Watchlist,
    WatchlistEntry,
    load_reference,
    parse_reference,
)
from hub.rules.ruleset import RuleSet
from hub.rules.screening import ScreeningMatch, WatchlistMatcher, name_score

__all__ = [
    "Assessment",
    "CelEnvironment",
    "CelProgram",
    "CodesList",
    "Conditions",
    "ExpressionError",
    "Level",
    "Likelihood",
    "ProfileStatus",
    "RatingEntry",
    "RatingsList",
    "ReferenceData",
    "ReferenceKind",
    "ReferenceList",
    "RiskProfile",
    "RuleSet",
    "Scope",
    "Screening",
    "ScreeningMatch",
    "Validity",
    "ValuationEntry",
    "ValuationList",
    "WatchKind",
    "Watchlist",
    "WatchlistEntry",
    "WatchlistMatcher",
    "check_expression",
    "load_profile",
    "load_profiles",
    "load_reference",
    "name_score",
    "parse_profile",
    "parse_profiles",
    "parse_reference",
]
