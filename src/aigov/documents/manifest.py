"""The lifecycle manifest, ``aigov.yaml``: what one AI project declares about itself.

Field names are the YAML keys. Every section but ``metadata`` and ``stage`` is optional here: what
a project must have filled at which stage is the policy packs' decision, not the file format's, so
that a project at ideation can validate with a three-line manifest.

Annotations are evaluated as the classes are defined (no ``from __future__ import annotations``):
pydantic would otherwise evaluate some 300 annotation strings itself, 5 ms of every cold run.
"""

import datetime as dt
from typing import Annotated, Any, Literal, get_args

from pydantic import AfterValidator, BeforeValidator, Field, WithJsonSchema, model_validator

from aigov.documents.types import (
    Direction,
    Document,
    HttpUrl,
    IsoDuration,
    NonEmptyStr,
    Percentage,
    Score,
    Stage,
)

API_VERSION = "aigov/v1"
MANIFEST_FILE = "aigov.yaml"

StakeholderRole = Literal[
    "business_owner",
    "data_owner",
    "data_protection_officer",
    "it",
    "data_science",
    "product_owner",
    "sponsor",
    "risk_compliance",
    "security",
    "other",
]


class Stakeholder(Document):
    """A person or team with a role in the project (seed: the framing sheet's stakeholders)."""

    name: NonEmptyStr
    role: StakeholderRole
    email: str | None = None


class Metadata(Document):
    id: str = Field(
        pattern=r"^[a-z0-9][a-z0-9._-]{1,62}$",
        description="Identifier unique in the portfolio: lowercase letters, digits, '.', '_', '-'",
    )
    name: NonEmptyStr
    owner: NonEmptyStr = Field(description="Accountable person or team")
    business_unit: NonEmptyStr
    description: str | None = None
    stakeholders: list[Stakeholder] = []
    tags: list[str] = []


class BusinessObjective(Document):
    """A business KPI the project must move, with a measurable target."""

    kpi: NonEmptyStr
    description: str | None = None
    baseline: float | None = None
    target: float
    direction: Direction
    unit: str | None = None
    deadline: dt.date | None = None


class Scope(Document):
    in_scope: list[NonEmptyStr] = []
    out_of_scope: list[NonEmptyStr] = []


class Budget(Document):
    currency: str = Field(pattern=r"^[A-Z]{3}$", description="ISO 4217 code, e.g. EUR")
    build_cost: float = Field(ge=0, description="One-off cost to reach production")
    run_cost_per_year: float = Field(default=0, ge=0)
    approved: bool | None = None


AttributionModel = Literal["direct", "incremental", "shared", "estimated"]


class ExpectedValue(Document):
    """The value the project should create, and how that value is attributed to it."""

    currency: str = Field(pattern=r"^[A-Z]{3}$")
    annual_value: float = Field(ge=0)
    attribution_model: AttributionModel
    attribution_share: float | None = Field(
        default=None, gt=0, le=1, description="Share of the value credited to the model (shared)"
    )
    rationale: str | None = None
    horizon_years: int = Field(default=3, ge=1, le=20)


class Feasibility(Document):
    data_maturity: Score
    it_maturity: Score


class Framing(Document):
    """The framing sheet: problem, objectives, scope, budget, value, prioritisation scores."""

    problem: NonEmptyStr
    business_objectives: list[BusinessObjective] = []
    scope: Scope | None = None
    budget: Budget | None = None
    expected_value: ExpectedValue | None = None
    impact: Score | None = None
    feasibility: Feasibility | None = None
    alternatives_considered: list[str] = []


class SuccessCriterion(Document):
    """A measurable threshold fixed at ideation that the model must meet (seed practice)."""

    metric: NonEmptyStr
    threshold: float
    direction: Direction
    mlflow_metric: str | None = Field(
        default=None, description="MLflow metric key that proves it (defaults to `metric`)"
    )
    dataset: str | None = Field(default=None, description="Evaluation dataset or slice")
    description: str | None = None


# --- EU AI Act ------------------------------------------------------------------------------

AiActRole = Literal[
    "provider",
    "deployer",
    "importer",
    "distributor",
    "product_manufacturer",
    "authorised_representative",
]


def _one_or_many(value: Any) -> Any:
    """aigov/v1 wrote one role as a scalar: it reads as a one-item list."""
    return [value] if isinstance(value, str) else value


def _no_repeats(value: list[str]) -> list[str]:
    twice = sorted({role for role in value if value.count(role) > 1})
    if twice:
        raise ValueError(f"role '{twice[0]}' is listed twice: list each role once")
    return value


_ROLE_SCHEMA: dict[str, Any] = {
    "enum": list(get_args(AiActRole)),
    "type": "string",
}
AiActRoles = Annotated[
    list[AiActRole],
    BeforeValidator(_one_or_many),
    AfterValidator(_no_repeats),
    Field(min_length=1),
    WithJsonSchema(
        {
            "anyOf": [
                {"type": "array", "items": _ROLE_SCHEMA, "minItems": 1, "uniqueItems": True},
                _ROLE_SCHEMA,
            ],
            "description": "Art. 3(3)-(8): every role the organisation holds for this system "
            "(provider and deployer when it builds and uses it); one role may be written alone",
        }
    ),
]
AiActCategory = Literal["prohibited", "high", "limited", "minimal"]
AnnexIIIArea = Literal[
    "biometrics",
    "critical_infrastructure",
    "education",
    "employment",
    "essential_services",
    "law_enforcement",
    "migration_border",
    "justice_democracy",
]
Art63Condition = Literal[
    "narrow_procedural_task",
    "improves_prior_human_activity",
    "detects_decision_patterns",
    "preparatory_task",
]
"""Art. 6(3)(a)-(d), in the Regulation's order."""
ProhibitedPracticeException = Literal[
    "medical_or_safety_reasons",
    "lawful_biometric_dataset_labelling",
    "authorised_targeted_search",
]
"""Art. 5(1)(f) medical or safety reasons; 5(1)(g) labelling or filtering of lawfully acquired
biometric datasets, or categorising biometric data in law enforcement; 5(1)(h)(i)-(iii) with the
prior authorisation of Art. 5(3)."""
Art50Exception = Literal[
    "authorised_by_law_crime",
    "obvious_from_context",
    "assistive_standard_editing",
    "no_substantial_alteration",
    "artistic_creative_satirical",
    "human_editorial_responsibility",
]
"""Art. 50(1)-(4) exceptions: authorised by law to detect, prevent, investigate or prosecute
criminal offences (50(1)-(4)); obvious to a reasonably well-informed person (50(1)); an assistive
function for standard editing (50(2)); no substantial alteration of the input (50(2)); evidently
artistic, creative, satirical or fictional work (50(4), disclosure limited); text under human
review or editorial control with editorial responsibility (50(4) second subparagraph)."""
ScopeExclusionGround = Literal[
    "military_defence_national_security",
    "scientific_research",
    "pre_market_research",
    "personal_non_professional",
    "free_open_source",
]
"""Art. 2(3), 2(6), 2(8), 2(10), 2(12)."""
AiLiteracyMeasure = Literal[
    "training",
    "role_based_guidance",
    "awareness_session",
    "certification",
    "usage_policy",
]
SeriousIncidentKind = Literal[
    "death",
    "serious_harm_to_health",
    "critical_infrastructure_disruption",
    "fundamental_rights_infringement",
    "serious_property_or_environmental_harm",
]
"""Art. 3(49)(a)-(d): death or serious harm to health; serious and irreversible disruption of
critical infrastructure; infringement of Union obligations protecting fundamental rights; serious
harm to property or the environment."""


class ProhibitedPracticesScreening(Document):
    """Art. 5(1) screening: each answer must be false for the system to be placed on the market.
    An absent answer is unanswered, never "no"."""

    subliminal_manipulation: bool | None = Field(default=None, description="Art. 5(1)(a)")
    exploits_vulnerabilities: bool | None = Field(default=None, description="Art. 5(1)(b)")
    social_scoring: bool | None = Field(default=None, description="Art. 5(1)(c)")
    crime_prediction_by_profiling: bool | None = Field(default=None, description="Art. 5(1)(d)")
    untargeted_facial_scraping: bool | None = Field(default=None, description="Art. 5(1)(e)")
    emotion_recognition_work_education: bool | None = Field(
        default=None, description="Art. 5(1)(f)"
    )
    biometric_categorisation_sensitive: bool | None = Field(
        default=None, description="Art. 5(1)(g)"
    )
    realtime_remote_biometric_identification: bool | None = Field(
        default=None, description="Art. 5(1)(h)"
    )
    exceptions: list[ProhibitedPracticeException] = Field(
        default=[], description="Exceptions the Regulation writes into Art. 5(1)(f)-(h)"
    )
    exception_reference: str | None = Field(
        default=None, description="The authorisation or legal basis of the exception (Art. 5(3))"
    )
    screened_on: dt.date | None = None
    screened_by: str | None = None


class Art63Exemption(Document):
    """Art. 6(3): an Annex III system that does not pose a significant risk (never if profiling)."""

    claimed: bool
    conditions: list[Art63Condition] = Field(
        default=[], description="The Art. 6(3)(a)-(d) conditions the system fulfils"
    )
    condition: Art63Condition | None = Field(
        default=None, description="aigov/v1: one condition; read with `conditions`"
    )
    rationale: str | None = None
    performs_profiling: bool | None = None
    documented_on: dt.date | None = Field(
        default=None, description="Art. 6(4): date of the documented assessment"
    )
    documentation_reference: str | None = Field(
        default=None, description="Art. 6(4): where the assessment is kept"
    )


class Transparency(Document):
    """Art. 50 transparency obligations. Each situation is answered true or false: an absent
    answer is unanswered, never "no"."""

    interacts_with_people: bool | None = Field(default=None, description="Art. 50(1)")
    generates_synthetic_content: bool | None = Field(default=None, description="Art. 50(2)")
    emotion_recognition_or_biometric_categorisation: bool | None = Field(
        default=None, description="Art. 50(3)"
    )
    deep_fake: bool | None = Field(default=None, description="Art. 50(4)")
    public_interest_text: bool | None = Field(
        default=None,
        description="Art. 50(4) second subparagraph: AI-generated or manipulated text published "
        "to inform the public on matters of public interest",
    )
    exceptions: list[Art50Exception] = Field(
        default=[], description="The Art. 50 exceptions relied on"
    )
    exception_rationale: str | None = None
    disclosure_made: bool | None = Field(
        default=None, description="People are informed (Art. 50(1), (3), (4)), true or false"
    )
    disclosure: str | None = Field(default=None, description="How people are informed")
    disclosure_evidence: str | None = Field(
        default=None, description="Where the disclosure can be seen (screenshot, spec, URL)"
    )
    content_marking: str | None = Field(default=None, description="Machine-readable marking")


class OpenSourceRelease(Document):
    """Art. 53(2): a GPAI model released under a free and open-source licence."""

    licence: NonEmptyStr = Field(description="SPDX identifier, e.g. Apache-2.0")
    weights_public: bool
    architecture_public: bool
    usage_information_public: bool
    reference: str | None = Field(default=None, description="Where the model is published")


class GeneralPurposeAI(Document):
    """Art. 51–55 obligations of providers of general-purpose AI models."""

    is_gpai_model: bool | None = Field(default=None, description="Art. 3(63), answered")
    systemic_risk: bool | None = Field(default=None, description="Art. 51(1)")
    open_source: OpenSourceRelease | None = Field(
        default=None, description="Art. 53(2) free and open-source release"
    )
    technical_documentation: str | None = None
    downstream_information: str | None = None
    copyright_policy: str | None = None
    training_content_summary: str | None = None
    model_evaluation: str | None = None
    serious_incident_reporting: str | None = None
    cybersecurity_measures: str | None = None


class ScopeExclusion(Document):
    """Art. 2: the Regulation does not apply, on one ground and under its conditions."""

    ground: ScopeExclusionGround
    exclusively_for_ground: bool | None = Field(
        default=None,
        description="Art. 2(3)/2(6): used exclusively for military, defence or national "
        "security purposes / developed and put into service for the sole purpose of research",
    )
    placed_on_market: bool | None = Field(
        default=None, description="Art. 2(8)/2(12): placed on the market or put into service"
    )
    real_world_testing: bool | None = Field(
        default=None, description="Art. 2(8): tested in real-world conditions (not excluded)"
    )
    licence: str | None = Field(default=None, description="Art. 2(12): the free licence (SPDX)")
    rationale: str | None = None
    decided_on: dt.date | None = None
    reference: str | None = None


class MarketTimeline(Document):
    """Art. 111(2): when the system was first placed on the market or put into service, and any
    significant change in its design since."""

    placed_on_market: dt.date | None = Field(
        default=None, description="First placed on the market or put into service"
    )
    significant_change_on: dt.date | None = Field(
        default=None, description="Latest significant change in design (Art. 111(2))"
    )
    no_significant_change: bool | None = Field(
        default=None, description="Answered true when the design has not changed significantly"
    )
    intended_for_public_authorities: bool | None = Field(
        default=None, description="Art. 111(2) second sentence: deadline 2030-08-02"
    )


class SeriousIncident(Document):
    """Art. 73: a serious incident and its report to the market surveillance authority."""

    id: NonEmptyStr
    kind: SeriousIncidentKind
    aware_on: dt.date = Field(description="When the provider became aware of it")
    reported_on: dt.date | None = Field(
        default=None, description="Reported to the market surveillance authority (Art. 73)"
    )
    provider_informed_on: dt.date | None = Field(
        default=None, description="A deployer informed the provider (Art. 26(5))"
    )
    authority: str | None = None
    reference: str | None = None
    widespread: bool = Field(
        default=False, description="A widespread infringement (Art. 3(61)): two-day deadline"
    )
    description: str | None = None


class WorkersInformation(Document):
    """Art. 26(7): workers and their representatives informed before use at the workplace."""

    workers_informed: bool
    representatives_informed: bool
    informed_on: dt.date | None = None
    reference: str | None = Field(default=None, description="Evidence: memo, minutes, notice")
    explanation: str | None = None


class SystemUse(Document):
    """Who develops and who uses the system: the facts Art. 3(3)-(4) derive the roles from."""

    developed_by_organisation: bool | None = Field(
        default=None, description="Developed by the organisation or for it, under its name"
    )
    used_by_organisation: bool | None = Field(
        default=None, description="Used under the organisation's authority (its own staff)"
    )
    supplied_to_others: bool | None = Field(
        default=None, description="Made available to other organisations (placed on the market)"
    )
    personal_non_professional: bool | None = Field(
        default=None, description="Used by natural persons in a purely personal activity"
    )
    own_name_on_system: bool | None = Field(
        default=None,
        description="Art. 25(1)(a): the organisation puts its name or trademark on a high-risk "
        "system another placed on the market",
    )
    substantially_modified: bool | None = Field(
        default=None,
        description="Art. 25(1)(b)-(c): it substantially modifies a high-risk system, or changes "
        "the intended purpose of another system so that it becomes high-risk",
    )


class AiLiteracy(Document):
    """Art. 4: measures ensuring a sufficient level of AI literacy of staff dealing with the
    system."""

    measures: list[AiLiteracyMeasure] = []
    staff_covered: list[NonEmptyStr] = Field(default=[], description="Teams or roles covered")
    last_delivered_on: dt.date | None = None
    evidence: str | None = Field(default=None, description="Training records, attendance")
    explanation: str | None = None


class UpstreamModel(Document):
    """A general-purpose AI model used by the system, and who provides it (Art. 53(1)(b))."""

    provider: NonEmptyStr
    model: NonEmptyStr
    version: str | None = None
    documentation: str | None = Field(
        default=None, description="Where the provider's downstream documentation is kept"
    )


class AppliedStandard(Document):
    """A harmonised standard (Art. 40) or common specification (Art. 41) the system applies."""

    reference: NonEmptyStr = Field(description="As published in the Official Journal")
    title: str | None = None
    extent: Literal["full", "partial"] = Field(
        default="full", description="Applied in full or in part (Annex IV point 7)"
    )


class DocumentReference(Document):
    """A compliance artefact: its status and where it lives."""

    status: Literal["not_started", "in_progress", "completed", "not_required"] = "completed"
    reference: str | None = None
    date: dt.date | None = None
    rationale: str | None = None


class FundamentalRightsImpactAssessment(DocumentReference):
    """Art. 27: the deployer's assessment, and the notification of its results (Art. 27(3))."""

    authority_notified_on: dt.date | None = Field(
        default=None,
        description="When the market surveillance authority was notified of the results, with "
        "the Art. 27(5) template (Art. 27(3))",
    )
    notification_exempt: bool | None = Field(
        default=None,
        description="The Art. 46(1) exemption from notifying applies (an authorisation for "
        "exceptional reasons of public security or health)",
    )


class RecordKeeping(Document):
    """Art. 12 automatic logging and Art. 19/26(6) retention of the logs."""

    automatic_logging: bool
    log_retention: IsoDuration | None = None
    events_logged: list[str] = []


class Registration(DocumentReference):
    """Art. 49 registration: in the EU database (Art. 71), or at national level for Annex III
    point 2 (Art. 49(5))."""

    database: Literal["eu", "national"] | None = None


class ConformityAssessment(DocumentReference):
    procedure: Literal["internal_control", "notified_body"] | None = None
    notified_body: str | None = None


class AiAct(Document):
    role: AiActRoles
    category: AiActCategory
    rationale: str | None = Field(default=None, description="Why this category")
    annex_iii_area: AnnexIIIArea | None = None
    annex_iii_point: str | None = Field(
        default=None,
        pattern=r"^([1-8](\([a-e]\))?|none)$",
        description="Annex III point, e.g. 5(b); none when no Annex III use applies",
    )
    annex_i_safety_component: bool | None = Field(
        default=None, description="Art. 6(1): safety component of an Annex I product, answered"
    )
    uses: SystemUse | None = Field(
        default=None, description="Who builds and who uses the system (Art. 3(3)-(4))"
    )
    scope_exclusion: ScopeExclusion | None = Field(default=None, description="Art. 2")
    public_body: bool | None = Field(
        default=None, description="The deployer is a body governed by public law (Art. 27(1))"
    )
    provides_public_services: bool | None = Field(
        default=None, description="The deployer is a private entity providing public services"
    )
    affects_workers: bool | None = Field(
        default=None, description="Used at the workplace on the organisation's workers"
    )
    workers_information: WorkersInformation | None = Field(default=None, description="Art. 26(7)")
    affected_persons_informed: bool | None = Field(
        default=None,
        description="Art. 26(11): the natural persons an Annex III system decides or helps decide "
        "about are informed that it is used on them, answered",
    )
    ai_literacy: AiLiteracy | None = Field(default=None, description="Art. 4")
    market: MarketTimeline | None = Field(default=None, description="Art. 111(2)")
    serious_incidents: list[SeriousIncident] = Field(default=[], description="Art. 73")
    prohibited_practices: ProhibitedPracticesScreening | None = None
    art_6_3_exemption: Art63Exemption | None = None
    transparency: Transparency | None = None
    gpai: GeneralPurposeAI | None = None
    upstream_models: list[UpstreamModel] = Field(
        default=[], description="General-purpose AI models the system is built on"
    )
    risk_management: DocumentReference | None = Field(default=None, description="Art. 9")
    data_governance: DocumentReference | None = Field(default=None, description="Art. 10")
    technical_documentation: DocumentReference | None = Field(
        default=None, description="Art. 11 and Annex IV"
    )
    record_keeping: RecordKeeping | None = None
    instructions_for_use: DocumentReference | None = Field(default=None, description="Art. 13")
    quality_management_system: DocumentReference | None = Field(default=None, description="Art. 17")
    fundamental_rights_impact_assessment: FundamentalRightsImpactAssessment | None = Field(
        default=None, description="Art. 27"
    )
    conformity_assessment: ConformityAssessment | None = None
    eu_database_registration: Registration | None = Field(default=None, description="Art. 49")
    post_market_monitoring: DocumentReference | None = Field(default=None, description="Art. 72")
    harmonised_standards: list[AppliedStandard] | None = Field(
        default=None,
        description="Art. 40 harmonised standards applied (Annex IV point 7); [] when none is",
    )
    common_specifications: list[AppliedStandard] | None = Field(
        default=None, description="Art. 41 common specifications applied; [] when none is"
    )


# --- GDPR -----------------------------------------------------------------------------------

LawfulBasis = Literal[
    "consent",
    "contract",
    "legal_obligation",
    "vital_interests",
    "public_task",
    "legitimate_interests",
]
SpecialCategory = Literal[
    "racial_or_ethnic_origin",
    "political_opinions",
    "religious_or_philosophical_beliefs",
    "trade_union_membership",
    "genetic",
    "biometric",
    "health",
    "sex_life_or_orientation",
]
Art9Condition = Literal[
    "explicit_consent",
    "employment_social_security",
    "vital_interests",
    "not_for_profit_body",
    "made_public_by_subject",
    "legal_claims",
    "substantial_public_interest",
    "health_or_social_care",
    "public_health",
    "archiving_research_statistics",
]
DpiaTrigger = Literal[
    "systematic_extensive_evaluation",
    "large_scale_special_categories",
    "systematic_public_monitoring",
    "innovative_technology",
    "automated_decision_legal_effect",
    "vulnerable_subjects",
    "data_matching",
    "large_scale",
]
TransferMechanism = Literal[
    "adequacy_decision",
    "standard_contractual_clauses",
    "binding_corporate_rules",
    "code_of_conduct",
    "certification",
    "derogation",
]


Art49Derogation = Literal[
    "explicit_consent",
    "contract_with_data_subject",
    "contract_in_data_subject_interest",
    "public_interest",
    "legal_claims",
    "vital_interests",
    "public_register",
    "compelling_legitimate_interests",
]
"""Art. 49(1)(a)-(g) and its second subparagraph (compelling legitimate interests)."""
ErasureInTraining = Literal["retraining", "unlearning", "not_used_for_training", "none"]
"""How an erasure request reaches a model: ``not_used_for_training`` when no model is trained
on the personal data; ``none`` when requests never reach the training data."""
Art14_5Exception = Literal[
    "already_informed",
    "impossible_or_disproportionate",
    "required_by_law",
    "professional_secrecy",
]
"""Art. 14(5)(a)-(d): when data obtained elsewhere need no Art. 14 notice."""


class SpecialCategories(Document):
    present: bool
    categories: list[SpecialCategory] = []
    art9_condition: Art9Condition | None = None


class AutomatedDecision(Document):
    """Art. 22: decisions based solely on automated processing."""

    solely_automated: bool
    legal_or_similar_effect: bool = False
    exception: Literal["contract", "union_or_member_state_law", "explicit_consent"] | None = None
    human_review_channel: str | None = None
    contest_procedure: str | None = None


class Wp248Criteria(Document):
    """The nine criteria of the EDPB-endorsed WP29 DPIA guidelines (WP248 rev.01, III.B.a), each
    answered: two or more call for a DPIA. Unanswered (absent) is not "no"."""

    evaluation_or_scoring: bool | None = Field(default=None, description="1. evaluation or scoring")
    automated_decision_legal_effect: bool | None = Field(
        default=None, description="2. automated decision-making with legal or similar effect"
    )
    systematic_monitoring: bool | None = Field(default=None, description="3. systematic monitoring")
    sensitive_data: bool | None = Field(
        default=None, description="4. sensitive data or data of a highly personal nature"
    )
    large_scale: bool | None = Field(default=None, description="5. data processed on a large scale")
    data_matching: bool | None = Field(
        default=None, description="6. matching or combining datasets"
    )
    vulnerable_subjects: bool | None = Field(
        default=None, description="7. data concerning vulnerable data subjects"
    )
    innovative_technology: bool | None = Field(
        default=None, description="8. innovative use or new technological solutions"
    )
    prevents_right_or_service: bool | None = Field(
        default=None, description="9. prevents exercising a right or using a service or contract"
    )


class DpoAdvice(Document):
    """Art. 35(2): the advice the controller sought from its DPO on the DPIA."""

    given_by: NonEmptyStr = Field(
        description="The DPO who gave it (a stakeholder with role data_protection_officer)"
    )
    date: dt.date
    reference: str | None = None
    outcome: Literal["favourable", "favourable_with_conditions", "unfavourable"] | None = None


class PriorConsultation(Document):
    """Art. 36: the supervisory authority consulted before processing a high residual risk."""

    authority: NonEmptyStr
    consulted_on: dt.date
    reference: str | None = None
    written_advice_on: dt.date | None = Field(
        default=None, description="Art. 36(2): when the authority gave its written advice"
    )


class Dpia(Document):
    """Art. 35 data protection impact assessment."""

    status: Literal["not_required", "required", "in_progress", "completed"]
    triggers: list[DpiaTrigger] = []
    criteria: Wp248Criteria | None = Field(
        default=None, description="The nine WP248 rev.01 criteria, each answered"
    )
    reference: str | None = None
    completed_on: dt.date | None = None
    dpo_consulted: bool | None = Field(
        default=None, description="Superseded by dpo_advice (who, when): kept for aigov/v1 files"
    )
    dpo_advice: DpoAdvice | None = None
    residual_risk: Literal["low", "medium", "high"] | None = Field(
        default=None, description="Risk left after the DPIA's measures (Art. 36(1))"
    )
    prior_consultation: PriorConsultation | None = None
    not_required_rationale: str | None = None


class Transfer(Document):
    """A transfer of personal data outside the EEA (Art. 44–49)."""

    country: NonEmptyStr = Field(description="ISO 3166-1 alpha-2 code of the destination, e.g. US")
    recipient: NonEmptyStr
    mechanism: TransferMechanism
    reference: str | None = None
    systematic: bool | None = Field(
        default=None,
        description="Made repeatedly or as part of normal operation (not occasional)",
    )
    derogation: Art49Derogation | None = Field(
        default=None, description="The Art. 49(1) point relied on when mechanism is derogation"
    )
    dpf_certified: bool | None = Field(
        default=None,
        description="A US recipient certified under the EU-US Data Privacy Framework",
    )


class PurposeBasis(Document):
    """The Art. 6(1) lawful basis of one purpose."""

    purpose: NonEmptyStr
    basis: LawfulBasis
    legitimate_interest_assessment: str | None = Field(
        default=None, description="Reference of the balancing test (basis legitimate_interests)"
    )


class RetentionPeriod(Document):
    """How long one category of personal data is kept (Art. 5(1)(e), Art. 30(1)(f))."""

    data_category: NonEmptyStr
    period: IsoDuration
    purpose: str | None = None
    rationale: str | None = None


class Processor(Document):
    """A processor acting on the controller's behalf, bound by an Art. 28(3) contract."""

    name: NonEmptyStr
    service: str | None = None
    country: str | None = Field(default=None, description="Where it processes (ISO 3166-1)")
    art28_contract: str | None = Field(
        default=None, description="Reference of the signed data processing agreement"
    )
    contract_signed_on: dt.date | None = None
    sub_processors_authorised: bool | None = Field(
        default=None, description="Art. 28(2) written authorisation of sub-processors"
    )


class Minors(Document):
    """Children among the data subjects (Art. 8, Recital 38)."""

    present: bool = Field(description="Data subjects include persons under 18")
    information_society_service: bool | None = Field(
        default=None, description="An information society service offered directly to them"
    )
    consent_basis: (
        Literal["parental_consent", "child_consent_above_national_age", "not_consent_based"] | None
    ) = None
    age_of_consent: int | None = Field(
        default=None, ge=13, le=16, description="The Member State's age under Art. 8(1)"
    )
    age_verification: str | None = Field(
        default=None, description="How age and parental consent are verified (Art. 8(2))"
    )


class Erasure(Document):
    """How an Art. 17 erasure request reaches the training data and the model trained on it."""

    training_data: ErasureInTraining
    period: IsoDuration | None = Field(
        default=None, description="Longest time from the request to a model without the data"
    )
    procedure: str | None = Field(default=None, description="Reference of the procedure")
    rationale: str | None = None


class InformationNotice(Document):
    """The information given to data subjects for one source of data (Art. 13 or 14)."""

    source: Literal["data_subject", "other_source"] = Field(
        description="data_subject: Art. 13 (collected from them); other_source: Art. 14"
    )
    data_categories: list[NonEmptyStr] = []
    notice: str | None = Field(default=None, description="Reference of the notice given")
    art14_5_exception: Art14_5Exception | None = None
    public_information: str | None = Field(
        default=None, description="Art. 14(5)(b): where the information is made public"
    )


class PersonalDataBreach(Document):
    """A personal data breach and what was done about it (Art. 33, 34)."""

    id: NonEmptyStr
    detected_on: dt.date = Field(description="The day the controller became aware of it")
    description: str | None = None
    personal_data: list[NonEmptyStr] = Field(default=[], description="Categories concerned")
    subjects: int | None = Field(default=None, ge=0, description="Approximate number of people")
    risk: Literal["unlikely", "risk", "high_risk"] = Field(
        description="Risk to the rights and freedoms of natural persons"
    )
    authority_notified_on: dt.date | None = None
    authority_reference: str | None = None
    late_notification_reason: str | None = Field(
        default=None, description="Art. 33(1): why notification took longer than 72 hours"
    )
    subjects_informed_on: dt.date | None = None
    art34_exception: Literal["encrypted", "measures_taken", "disproportionate_effort"] | None = (
        Field(default=None, description="Art. 34(3)(a)-(c)")
    )
    documented_in: str | None = Field(default=None, description="Art. 33(5) breach register")


class PrivacyByDesign(Document):
    """Art. 25 data protection by design and by default."""

    pseudonymisation: bool = False
    encryption: bool = False
    measures: list[str] = []


class Gdpr(Document):
    personal_data: bool
    data_subjects: list[str] = []
    minors: Minors | None = Field(default=None, description="Art. 8")
    data_categories: list[str] = []
    purposes: list[NonEmptyStr] = Field(default=[], description="Art. 5(1)(b)")
    minimisation: str | None = Field(default=None, description="Art. 5(1)(c) justification")
    lawful_basis: LawfulBasis | None = Field(
        default=None, description="Art. 6(1) basis of every purpose lawful_bases does not list"
    )
    lawful_bases: list[PurposeBasis] = Field(default=[], description="Art. 6(1) per purpose")
    legitimate_interest_assessment: str | None = None
    special_categories: SpecialCategories | None = None
    retention: IsoDuration | None = Field(
        default=None, description="Art. 5(1)(e): every category retention_periods does not list"
    )
    retention_periods: list[RetentionPeriod] = Field(default=[], description="Per data category")
    retention_rationale: str | None = None
    information_notice: str | None = Field(default=None, description="Art. 13/14")
    information: list[InformationNotice] = Field(
        default=[], description="Art. 13/14 per source of data"
    )
    erasure: Erasure | None = Field(default=None, description="Art. 17 and training data")
    automated_decision: AutomatedDecision | None = None
    dpia: Dpia | None = None
    processors: list[Processor] = Field(default=[], description="Art. 28")
    third_country_transfers: bool | None = Field(
        default=None, description="Personal data leave the EEA (answer even when false)"
    )
    transfers: list[Transfer] = []
    record_of_processing: str | None = Field(default=None, description="Art. 30 register entry")
    privacy_by_design: PrivacyByDesign | None = None
    security_measures: list[NonEmptyStr] = Field(default=[], description="Art. 32")
    breaches: list[PersonalDataBreach] = Field(default=[], description="Art. 33-34")


class Risk(Document):
    ai_act: AiAct | None = None
    gdpr: Gdpr | None = None


# --- Lifecycle, operations -------------------------------------------------------------------


class Approval(Document):
    """A committee decision recorded for a stage transition."""

    to_stage: Stage
    from_stage: Stage | None = None
    committee: NonEmptyStr
    decision: Literal["approved", "approved_with_conditions", "rejected", "deferred"]
    date: dt.date
    reference: NonEmptyStr
    approvers: list[str] = []
    conditions: list[str] = []
    loosened_criteria: list[NonEmptyStr] = Field(
        default=[],
        description="Metrics of success criteria whose loosened threshold this decision approves",
    )


class DataSection(Document):
    contracts: list[NonEmptyStr] = Field(
        default=[], description="Paths of ODCS contracts, relative to the repository"
    )


class Registry(Document):
    """Where the model's versions live in MLflow."""

    tracking_uri: NonEmptyStr
    registered_model: NonEmptyStr
    alias: str | None = None
    version: str | None = None
    experiment: str | None = Field(
        default=None, description="POC experiment holding candidate runs"
    )

    @model_validator(mode="after")
    def _alias_or_version(self) -> "Registry":
        if self.alias is not None and self.version is not None:
            raise ValueError("give either 'alias' or 'version', not both")
        return self


class ModelSection(Document):
    card: NonEmptyStr = "MODEL_CARD.md"
    registry: Registry | None = None
    type: str | None = Field(default=None, description="e.g. gradient boosting, LLM, CNN")


class Deployment(Document):
    mode: Literal["api", "batch", "streaming", "edge", "embedded"]
    architecture: Literal["cloud", "on-premise", "hybrid"]
    environments: list[NonEmptyStr] = []
    region: str | None = None


class Sla(Document):
    availability: Percentage | None = Field(default=None, description="Percent, e.g. 99.5")
    latency_p95_ms: float | None = Field(default=None, gt=0)
    support_hours: str | None = Field(default=None, description="e.g. 'Mon-Fri 08:00-18:00 CET'")
    time_to_detect: IsoDuration | None = None
    time_to_repair: IsoDuration | None = None
    data_freshness: IsoDuration | None = None
    throughput_per_second: float | None = Field(default=None, gt=0)


class MetricThreshold(Document):
    metric: NonEmptyStr
    threshold: float
    direction: Direction
    window: IsoDuration | None = None


class DriftMonitor(Document):
    method: NonEmptyStr = Field(description="e.g. PSI, KS test, Jensen-Shannon")
    threshold: float
    features: list[str] = []
    window: IsoDuration | None = None


class Adoption(Document):
    """Daily business adoption: a usage metric tracked against its target."""

    metric: NonEmptyStr
    target_per_day: float = Field(ge=0)
    source: str | None = None


class Monitoring(Document):
    performance: MetricThreshold | None = None
    data_drift: DriftMonitor | None = None
    concept_drift: DriftMonitor | None = None
    alert_channels: list[NonEmptyStr] = []
    dashboard: HttpUrl | None = None
    adoption: Adoption | None = None


class Retraining(Document):
    trigger: NonEmptyStr
    frequency: IsoDuration | None = None


class Retirement(Document):
    rollback_plan: str | None = None
    retraining: Retraining | None = None
    decommission_plan: str | None = None
    retired_on: dt.date | None = None
    data_disposal: str | None = None


class Waiver(Document):
    """An approved, time-boxed exception to one rule."""

    rule: str = Field(pattern=r"^[A-Z0-9][A-Z0-9._-]*$")
    reason: NonEmptyStr
    approved_by: NonEmptyStr
    ticket: NonEmptyStr
    expires: dt.date
    stage: Stage
    granted_on: dt.date | None = None


class LifecycleManifest(Document):
    """``aigov.yaml``: the lifecycle manifest of one AI project."""

    api_version: Literal["aigov/v1"] = Field(alias="apiVersion")
    kind: Literal["AIProject"]
    metadata: Metadata
    stage: Stage
    timeline: dict[Stage, dt.date] = Field(
        default={}, description="Date the project entered each stage"
    )
    framing: Framing | None = None
    success_criteria: list[SuccessCriterion] = []
    risk: Risk | None = None
    approvals: list[Approval] = []
    data: DataSection | None = None
    model: ModelSection | None = None
    deployment: Deployment | None = None
    sla: Sla | None = None
    monitoring: Monitoring | None = None
    retirement: Retirement | None = None
    waivers: list[Waiver] = []
