"""Rule layer: election profiles (YAML) and the rules that turn detections into findings."""

from .catalog import REVIEW_NOTICE_EN, REVIEW_NOTICE_ID, RULES, Rule
from .engine import RuleEngine
from .loading import list_profiles, load_profile, profile_text
from .profile import Candidate, Party, Profile, Sign, Thresholds
from .schema import parse_profile

__all__ = [
    "REVIEW_NOTICE_EN",
    "REVIEW_NOTICE_ID",
    "RULES",
    "Candidate",
    "Party",
    "Profile",
    "Rule",
    "RuleEngine",
    "Sign",
    "Thresholds",
    "list_profiles",
    "load_profile",
    "parse_profile",
    "profile_text",
]
