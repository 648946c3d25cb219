"""What a check writer imports: the vocabulary of checks and the helpers to write them.

    from checkers.authoring import Check, Context, Exercise, Outcome, expect_str, run_property

Exercise packages import from here only (never from :mod:`checkers.engine` or
:mod:`checkers.sandbox` directly), so the engine can change behind this facade.
"""

from checkers.authoring.excuses import Excuses, raised_through
from checkers.authoring.expect import (
    describe_type,
    expect_array,
    expect_bool,
    expect_float,
    expect_int,
    expect_int_list,
    expect_list,
    expect_str,
    expect_str_list,
    expect_tuple,
)
from checkers.authoring.lm_checks import BaselineFamily, LogProbFunctions, TrainedLanguageModel
from checkers.authoring.ngram import NGramCounts, NGramModel
from checkers.authoring.properties import Violation, run_property
from checkers.authoring.punctuation import (
    isolated_marks_problem,
    pad_punctuation,
    pad_punctuation_outcome,
)
from checkers.authoring.statistics import chi_square_p, entropy
from checkers.authoring.thresholds import ThresholdsError, load_thresholds
from checkers.engine.errors import (
    CallTimeout,
    CheckFailed,
    GraderSetupError,
    NotImplementedInSubmission,
    SubmissionError,
    SubmissionRaised,
    WorkerDied,
    WrongType,
)
from checkers.engine.model import (
    Check,
    Context,
    Exercise,
    LeaderboardColumn,
    Outcome,
    ReviewMetrics,
    SeriesPlot,
    derive_seed,
    linear_credit,
)
from checkers.engine.options import Option

__all__ = [
    "BaselineFamily",
    "CallTimeout",
    "Check",
    "CheckFailed",
    "Excuses",
    "Context",
    "Exercise",
    "GraderSetupError",
    "LeaderboardColumn",
    "LogProbFunctions",
    "NGramCounts",
    "NGramModel",
    "NotImplementedInSubmission",
    "Option",
    "Outcome",
    "ReviewMetrics",
    "SeriesPlot",
    "SubmissionError",
    "SubmissionRaised",
    "ThresholdsError",
    "TrainedLanguageModel",
    "Violation",
    "WorkerDied",
    "WrongType",
    "chi_square_p",
    "derive_seed",
    "describe_type",
    "entropy",
    "expect_array",
    "expect_bool",
    "expect_float",
    "expect_int",
    "expect_int_list",
    "expect_list",
    "expect_str",
    "expect_str_list",
    "expect_tuple",
    "isolated_marks_problem",
    "linear_credit",
    "load_thresholds",
    "pad_punctuation",
    "pad_punctuation_outcome",
    "raised_through",
    "run_property",
]
