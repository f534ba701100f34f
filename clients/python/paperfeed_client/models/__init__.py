""" Contains all the data models used in inputs/outputs """

from .alert_out import AlertOut
from .alert_page import AlertPage
from .default_out import DefaultOut
from .defaults_out import DefaultsOut
from .email_confirmation_out import EmailConfirmationOut
from .email_confirmed import EmailConfirmed
from .event_batch_in import EventBatchIn
from .event_batch_result import EventBatchResult
from .experiment_in import ExperimentIn
from .experiment_out import ExperimentOut
from .experiment_page import ExperimentPage
from .feed_item import FeedItem
from .feed_page import FeedPage
from .get_trending_window import GetTrendingWindow
from .health import Health
from .history_item import HistoryItem
from .history_item_context_type_0 import HistoryItemContextType0
from .history_page import HistoryPage
from .item_error import ItemError
from .item_error_errors import ItemErrorErrors
from .job_accepted import JobAccepted
from .job_in import JobIn
from .job_in_job import JobInJob
from .job_out import JobOut
from .job_out_params import JobOutParams
from .job_out_result_type_0 import JobOutResultType0
from .list_my_history_type import ListMyHistoryType
from .list_user_history_type import ListUserHistoryType
from .model_page import ModelPage
from .model_version_out import ModelVersionOut
from .model_version_out_metrics import ModelVersionOutMetrics
from .model_version_out_params import ModelVersionOutParams
from .pagination_metadata import PaginationMetadata
from .paper_batch_in import PaperBatchIn
from .paper_batch_result import PaperBatchResult
from .paper_detail import PaperDetail
from .paper_fields import PaperFields
from .paper_out import PaperOut
from .paper_page import PaperPage
from .problem import Problem
from .problem_errors import ProblemErrors
from .promote_in import PromoteIn
from .readiness import Readiness
from .readiness_checks import ReadinessChecks
from .readiness_serving import ReadinessServing
from .readiness_warnings import ReadinessWarnings
from .reason import Reason
from .reference_out import ReferenceOut
from .results_out import ResultsOut
from .results_out_comparisons_item import ResultsOutComparisonsItem
from .results_out_offline import ResultsOutOffline
from .results_out_srm_type_0 import ResultsOutSrmType0
from .results_out_variants_item import ResultsOutVariantsItem
from .scored_paper import ScoredPaper
from .search_hit import SearchHit
from .similar_result import SimilarResult
from .star_item import StarItem
from .star_page import StarPage
from .stats import Stats
from .stats_live_models import StatsLiveModels
from .stats_live_models_additional_property import StatsLiveModelsAdditionalProperty
from .subscription_in import SubscriptionIn
from .subscription_in_channel import SubscriptionInChannel
from .subscription_in_frequency_type_1 import SubscriptionInFrequencyType1
from .subscription_in_frequency_type_2_type_1 import SubscriptionInFrequencyType2Type1
from .subscription_in_frequency_type_3_type_1 import SubscriptionInFrequencyType3Type1
from .subscription_in_kind import SubscriptionInKind
from .subscription_out import SubscriptionOut
from .subscription_page import SubscriptionPage
from .subscription_saved import SubscriptionSaved
from .token_in import TokenIn
from .token_out import TokenOut
from .tokens_revoked import TokensRevoked
from .trending_item import TrendingItem
from .trending_result import TrendingResult
from .unsubscribed import Unsubscribed
from .user_counts import UserCounts
from .user_detail import UserDetail
from .user_export import UserExport
from .user_export_alerts_item import UserExportAlertsItem
from .user_export_events_item import UserExportEventsItem
from .user_export_stars_item import UserExportStarsItem
from .user_export_subscriptions_item import UserExportSubscriptionsItem
from .user_in import UserIn
from .user_out import UserOut
from .variant_in import VariantIn
from .variant_in_overrides import VariantInOverrides
from .variant_out import VariantOut
from .variant_out_overrides import VariantOutOverrides

__all__ = (
    "AlertOut",
    "AlertPage",
    "DefaultOut",
    "DefaultsOut",
    "EmailConfirmationOut",
    "EmailConfirmed",
    "EventBatchIn",
    "EventBatchResult",
    "ExperimentIn",
    "ExperimentOut",
    "ExperimentPage",
    "FeedItem",
    "FeedPage",
    "GetTrendingWindow",
    "Health",
    "HistoryItem",
    "HistoryItemContextType0",
    "HistoryPage",
    "ItemError",
    "ItemErrorErrors",
    "JobAccepted",
    "JobIn",
    "JobInJob",
    "JobOut",
    "JobOutParams",
    "JobOutResultType0",
    "ListMyHistoryType",
    "ListUserHistoryType",
    "ModelPage",
    "ModelVersionOut",
    "ModelVersionOutMetrics",
    "ModelVersionOutParams",
    "PaginationMetadata",
    "PaperBatchIn",
    "PaperBatchResult",
    "PaperDetail",
    "PaperFields",
    "PaperOut",
    "PaperPage",
    "Problem",
    "ProblemErrors",
    "PromoteIn",
    "Readiness",
    "ReadinessChecks",
    "ReadinessServing",
    "ReadinessWarnings",
    "Reason",
    "ReferenceOut",
    "ResultsOut",
    "ResultsOutComparisonsItem",
    "ResultsOutOffline",
    "ResultsOutSrmType0",
    "ResultsOutVariantsItem",
    "ScoredPaper",
    "SearchHit",
    "SimilarResult",
    "StarItem",
    "StarPage",
    "Stats",
    "StatsLiveModels",
    "StatsLiveModelsAdditionalProperty",
    "SubscriptionIn",
    "SubscriptionInChannel",
    "SubscriptionInFrequencyType1",
    "SubscriptionInFrequencyType2Type1",
    "SubscriptionInFrequencyType3Type1",
    "SubscriptionInKind",
    "SubscriptionOut",
    "SubscriptionPage",
    "SubscriptionSaved",
    "TokenIn",
    "TokenOut",
    "TokensRevoked",
    "TrendingItem",
    "TrendingResult",
    "Unsubscribed",
    "UserCounts",
    "UserDetail",
    "UserExport",
    "UserExportAlertsItem",
    "UserExportEventsItem",
    "UserExportStarsItem",
    "UserExportSubscriptionsItem",
    "UserIn",
    "UserOut",
    "VariantIn",
    "VariantInOverrides",
    "VariantOut",
    "VariantOutOverrides",
)
