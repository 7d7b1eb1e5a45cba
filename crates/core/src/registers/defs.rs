//! Declarations of every register the standard needs. Field keys are stored
//! in documents: never rename one; add a new field instead.

use super::{FieldDef as F, Kind, Record, RegisterDef, SortDir, Value};
use crate::risk::ScoreBand;

// ---- field constructors, to keep the table readable ----------------------

const fn text(key: &'static str, label: &'static str) -> F {
    F::new(key, label, Kind::Text { max: 200 })
}
const fn long(key: &'static str, label: &'static str) -> F {
    F::new(key, label, Kind::LongText { max: 20_000 })
}
const fn person(key: &'static str, label: &'static str) -> F {
    F::new(key, label, Kind::Person)
}
const fn choice(
    key: &'static str,
    label: &'static str,
    options: &'static [(&'static str, &'static str)],
) -> F {
    F::new(key, label, Kind::Choice(options))
}
const fn rating(key: &'static str, label: &'static str) -> F {
    F::new(key, label, Kind::Integer { min: 1, max: 5 })
}
const fn percent(key: &'static str, label: &'static str) -> F {
    F::new(
        key,
        label,
        Kind::Decimal {
            min: 0.0,
            max: 100.0,
        },
    )
}
const fn money(key: &'static str, label: &'static str) -> F {
    F::new(
        key,
        label,
        Kind::Decimal {
            min: -1e12,
            max: 1e12,
        },
    )
}
const fn date(key: &'static str, label: &'static str) -> F {
    F::new(key, label, Kind::Date)
}
const fn when(key: &'static str, label: &'static str) -> F {
    F::new(key, label, Kind::DateTime)
}
const fn flag(key: &'static str, label: &'static str) -> F {
    F::new(key, label, Kind::Flag)
}
const fn link(key: &'static str, label: &'static str, to: &'static str) -> F {
    F::new(key, label, Kind::Link { to, many: false })
}
const fn links(key: &'static str, label: &'static str, to: &'static str) -> F {
    F::new(key, label, Kind::Link { to, many: true })
}
const fn computed(key: &'static str, label: &'static str, f: fn(&Record) -> Option<Value>) -> F {
    F::new(key, label, Kind::Computed(f))
}
const fn title() -> F {
    text("title", "Title").required()
}
const fn name() -> F {
    text("name", "Name").required()
}
const fn owner() -> F {
    person("owner", "Owner")
}
const fn review_date() -> F {
    date("review_date", "Review date").help("When it is next reviewed.")
}
const fn description() -> F {
    long("description", "Description")
}

// ---- shared choices --------------------------------------------------------

const LOW_HIGH: &[(&str, &str)] = &[("low", "Low"), ("medium", "Medium"), ("high", "High")];
const SEVERITY: &[(&str, &str)] = &[
    ("low", "Low"),
    ("medium", "Medium"),
    ("high", "High"),
    ("critical", "Critical"),
];
const OPEN_CLOSED: &[(&str, &str)] = &[
    ("open", "Open"),
    ("in_progress", "In progress"),
    ("resolved", "Resolved"),
    ("closed", "Closed"),
];
const APPROVAL: &[(&str, &str)] = &[
    ("draft", "Draft"),
    ("approved", "Approved"),
    ("withdrawn", "Withdrawn"),
];
const FREQUENCY: &[(&str, &str)] = &[
    ("weekly", "Weekly"),
    ("monthly", "Monthly"),
    ("quarterly", "Quarterly"),
    ("yearly", "Yearly"),
    ("as_needed", "As needed"),
];

// ---- computed fields -------------------------------------------------------

/// a × b, or nothing when the product does not fit (values written by
/// another program can be any size).
fn product(r: &Record, a: &str, b: &str) -> Option<Value> {
    Some(Value::Int(r.int(a)?.checked_mul(r.int(b)?)?))
}
fn risk_score(r: &Record) -> Option<Value> {
    product(r, "likelihood", "impact")
}
fn risk_band(r: &Record) -> Option<Value> {
    // Only a score the scales can give (1–25) has a band.
    let s = u8::try_from(risk_score(r)?.as_int()?)
        .ok()
        .filter(|s| (1..=25).contains(s))?;
    Some(Value::Text(ScoreBand::of(s).label().into()))
}
fn residual_score(r: &Record) -> Option<Value> {
    product(r, "residual_likelihood", "residual_impact")
}
fn met(measured: f64, target: f64, at_most: bool) -> Value {
    let ok = if at_most {
        measured <= target
    } else {
        measured >= target
    };
    Value::Text(if ok { "Met" } else { "Breached" }.into())
}
fn sla_result_met(r: &Record) -> Option<Value> {
    let at_most = r.text("direction") == "at_most";
    Some(met(
        r.get("measured")?.as_f64()?,
        r.get("target")?.as_f64()?,
        at_most,
    ))
}
fn availability_met(r: &Record) -> Option<Value> {
    Some(met(
        r.get("measured")?.as_f64()?,
        r.get("target")?.as_f64()?,
        false,
    ))
}
fn budget_variance(r: &Record) -> Option<Value> {
    Some(Value::Dec(
        r.get("budget")?.as_f64()? - r.get("actual")?.as_f64()?,
    ))
}
fn capacity_state(r: &Record) -> Option<Value> {
    let used = r.get("utilisation")?.as_f64()?;
    let limit = r.get("threshold")?.as_f64()?;
    Some(Value::Text(
        if used >= limit {
            "Over threshold"
        } else {
            "Within threshold"
        }
        .into(),
    ))
}
fn level(s: &str) -> Option<i64> {
    match s {
        "low" => Some(1),
        "medium" => Some(2),
        "high" => Some(3),
        _ => None,
    }
}
/// Priority from impact × urgency (3 × 3 matrix): P1 (highest) to P4.
fn incident_priority(r: &Record) -> Option<Value> {
    let p = level(r.text("impact"))? * level(r.text("urgency"))?;
    let label = match p {
        9 => "P1",
        6 => "P2",
        3 | 4 => "P3",
        _ => "P4",
    };
    Some(Value::Text(label.into()))
}
fn hours_between(r: &Record, from: &str, to: &str) -> Option<Value> {
    let (Some(Value::DateTime(a)), Some(Value::DateTime(b))) = (r.get(from), r.get(to)) else {
        return None;
    };
    let minutes = (*b - *a).num_minutes();
    (minutes >= 0).then(|| Value::Dec((minutes as f64 / 60.0 * 10.0).round() / 10.0))
}
fn incident_hours(r: &Record) -> Option<Value> {
    hours_between(r, "opened", "resolved")
}

// ---- the registers ---------------------------------------------------------

pub static REGISTERS: &[RegisterDef] = &[
    RegisterDef {
        id: "context_issue",
        name: "Context issues",
        singular: "issue",
        clause: "4.1",
        about: "Internal and external issues that affect what the SMS can achieve, including whether climate change is relevant.",
        fields: &[
            title(),
            choice("kind", "Internal or external", &[("internal", "Internal"), ("external", "External")]).required(),
            choice(
                "category",
                "Category",
                &[
                    ("political", "Political"),
                    ("economic", "Economic"),
                    ("social", "Social"),
                    ("technological", "Technological"),
                    ("legal", "Legal or regulatory"),
                    ("environmental", "Environmental"),
                    ("organisational", "Organisational"),
                    ("other", "Other"),
                ],
            ),
            flag("climate", "Climate-related").help("Tick if the issue concerns climate change."),
            description(),
            long("effect", "Effect on the SMS"),
            owner(),
            review_date(),
        ],
        title: "title",
        columns: &["kind", "category", "climate", "owner", "review_date"],
        sort: ("title", SortDir::Asc),
    },
    RegisterDef {
        id: "interested_party",
        name: "Interested parties",
        singular: "interested party",
        clause: "4.2",
        about: "Who has a stake in the services and the SMS, and what they require of it.",
        fields: &[
            name(),
            choice(
                "kind",
                "Type",
                &[
                    ("customer", "Customer"),
                    ("user", "User"),
                    ("supplier", "Supplier"),
                    ("regulator", "Regulator"),
                    ("staff", "Staff"),
                    ("owner", "Owner or shareholder"),
                    ("other", "Other"),
                ],
            )
            .required(),
            long("requirements", "Requirements").required(),
            long("climate_requirements", "Climate-related requirements"),
            long("how_met", "How the SMS meets them"),
            owner(),
            review_date(),
        ],
        title: "name",
        columns: &["kind", "owner", "review_date"],
        sort: ("name", SortDir::Asc),
    },
    RegisterDef {
        id: "scope",
        name: "SMS scope",
        singular: "scope statement",
        clause: "4.3",
        about: "Which services, locations and organisational units the SMS covers, and what is excluded.",
        fields: &[
            title(),
            long("statement", "Scope statement").required(),
            links("services", "Services in scope", "service"),
            text("locations", "Locations and units"),
            long("exclusions", "Exclusions and why"),
            text("version", "Version"),
            person("approved_by", "Approved by"),
            date("approved_on", "Approved on"),
            review_date(),
        ],
        title: "title",
        columns: &["version", "approved_on", "review_date"],
        sort: ("title", SortDir::Asc),
    },
    RegisterDef {
        id: "policy",
        name: "Policies",
        singular: "policy",
        clause: "5.2",
        about: "The service management policy and the other policies the SMS relies on, approved and communicated.",
        fields: &[
            title(),
            choice(
                "kind",
                "Type",
                &[
                    ("service_management", "Service management"),
                    ("information_security", "Information security"),
                    ("change_management", "Change management"),
                    ("other", "Other"),
                ],
            )
            .required(),
            long("statement", "Policy statement").required(),
            owner().required(),
            person("approved_by", "Approved by"),
            date("approved_on", "Approved on"),
            date("communicated_on", "Communicated on").help("When staff and parties were told."),
            link("document", "Controlled document", "document"),
            review_date(),
        ],
        title: "title",
        columns: &["kind", "owner", "approved_on", "review_date"],
        sort: ("title", SortDir::Asc),
    },
    RegisterDef {
        id: "role",
        name: "Roles and responsibilities",
        singular: "role",
        clause: "5.3",
        about: "Who is responsible and has authority for each part of the SMS and its services.",
        fields: &[
            text("title", "Role").required(),
            person("holder", "Held by"),
            long("responsibilities", "Responsibilities").required(),
            long("authorities", "Authorities"),
            text("reports_to", "Reports to"),
        ],
        title: "title",
        columns: &["holder", "reports_to"],
        sort: ("title", SortDir::Asc),
    },
    RegisterDef {
        id: "risk",
        name: "Risks and opportunities",
        singular: "risk",
        clause: "6.1",
        about: "What could help or harm the SMS and its services, how likely and how serious it is, and what you do about it.",
        fields: &[
            title(),
            choice("kind", "Risk or opportunity", &[("risk", "Risk"), ("opportunity", "Opportunity")]).required(),
            description().help("What could happen, why, and what it would affect."),
            text("category", "Category"),
            rating("likelihood", "Likelihood").required().help("1 rare, 2 unlikely, 3 possible, 4 likely, 5 almost certain."),
            rating("impact", "Impact").required().help("1 negligible, 2 minor, 3 moderate, 4 major, 5 severe."),
            computed("score", "Score", risk_score),
            computed("band", "Band", risk_band),
            owner().required().help("The person accountable for this risk."),
            choice(
                "treatment",
                "Treatment",
                &[("avoid", "Avoid"), ("reduce", "Reduce"), ("transfer", "Transfer"), ("accept", "Accept")],
            )
            .required(),
            links("actions", "Treatment actions", "action"),
            text("acceptance", "Acceptance criteria"),
            rating("residual_likelihood", "Residual likelihood"),
            rating("residual_impact", "Residual impact"),
            computed("residual_score", "Residual score", residual_score),
            choice(
                "status",
                "Status",
                &[
                    ("identified", "Identified"),
                    ("assessed", "Assessed"),
                    ("treating", "Being treated"),
                    ("monitoring", "Monitoring"),
                    ("closed", "Closed"),
                ],
            )
            .required(),
            review_date(),
        ],
        title: "title",
        columns: &["score", "band", "owner", "treatment", "status", "review_date"],
        sort: ("score", SortDir::Desc),
    },
    RegisterDef {
        id: "objective",
        name: "Objectives",
        singular: "objective",
        clause: "6.2",
        about: "Measurable service management objectives, who owns them and how they are tracked.",
        fields: &[
            title(),
            text("function", "Level or function"),
            text("measure", "Measure").required(),
            text("data_source", "Data source"),
            text("target", "Target").required(),
            text("current", "Current value"),
            choice("frequency", "Measured", FREQUENCY),
            owner().required(),
            links("actions", "Actions", "action"),
            text("resources", "Resources needed"),
            date("due_date", "Due date"),
            choice(
                "status",
                "Status",
                &[
                    ("not_started", "Not started"),
                    ("on_track", "On track"),
                    ("at_risk", "At risk"),
                    ("achieved", "Achieved"),
                    ("missed", "Missed"),
                ],
            )
            .required(),
        ],
        title: "title",
        columns: &["target", "current", "owner", "status", "due_date"],
        sort: ("due_date", SortDir::Asc),
    },
    RegisterDef {
        id: "plan_item",
        name: "SMS plan",
        singular: "plan item",
        clause: "6.3",
        about: "The plan for setting up, running and improving the SMS: activities, owners and dates.",
        fields: &[
            title(),
            description(),
            owner(),
            links("objectives", "Objectives served", "objective"),
            date("start_date", "Start"),
            date("due_date", "Due date"),
            choice(
                "status",
                "Status",
                &[("planned", "Planned"), ("in_progress", "In progress"), ("done", "Done"), ("cancelled", "Cancelled")],
            )
            .required(),
        ],
        title: "title",
        columns: &["owner", "due_date", "status"],
        sort: ("due_date", SortDir::Asc),
    },
    RegisterDef {
        id: "resource",
        name: "Resources",
        singular: "resource",
        clause: "7.1",
        about: "People, technology, information and money the SMS and services need.",
        fields: &[
            title(),
            choice(
                "kind",
                "Type",
                &[
                    ("people", "People"),
                    ("technology", "Technology"),
                    ("information", "Information"),
                    ("financial", "Financial"),
                    ("facility", "Facility"),
                ],
            )
            .required(),
            description(),
            owner(),
            choice("status", "Status", &[("available", "Available"), ("needed", "Needed"), ("requested", "Requested")]),
        ],
        title: "title",
        columns: &["kind", "owner", "status"],
        sort: ("title", SortDir::Asc),
    },
    RegisterDef {
        id: "competence",
        name: "Competence",
        singular: "competence record",
        clause: "7.2",
        about: "The competence each role needs and the evidence that people have it.",
        fields: &[
            person("person", "Person").required(),
            link("role", "Role", "role"),
            long("required", "Required competence").required(),
            long("evidence", "Evidence").required().help("Training, qualifications or experience."),
            date("achieved_on", "Achieved on"),
            date("next_due", "Next due"),
        ],
        title: "person",
        columns: &["role", "achieved_on", "next_due"],
        sort: ("person", SortDir::Asc),
    },
    RegisterDef {
        id: "communication",
        name: "Communication and awareness",
        singular: "communication",
        clause: "7.4",
        about: "What is communicated about the SMS, to whom, how and when — including awareness sessions.",
        fields: &[
            text("title", "Topic").required(),
            text("audience", "Audience").required(),
            choice(
                "method",
                "Method",
                &[
                    ("meeting", "Meeting"),
                    ("email", "Email"),
                    ("intranet", "Intranet"),
                    ("training", "Training or awareness session"),
                    ("report", "Report"),
                    ("other", "Other"),
                ],
            )
            .required(),
            choice("frequency", "Frequency", FREQUENCY),
            person("responsible", "Responsible"),
            date("last_done", "Last done"),
            date("next_due", "Next due"),
        ],
        title: "title",
        columns: &["audience", "method", "next_due"],
        sort: ("next_due", SortDir::Asc),
    },
    RegisterDef {
        id: "document",
        name: "Documents",
        singular: "document",
        clause: "7.5",
        about: "Documented information under control: version, owner, approval and review.",
        fields: &[
            title(),
            text("reference", "Reference"),
            choice(
                "kind",
                "Type",
                &[
                    ("policy", "Policy"),
                    ("plan", "Plan"),
                    ("procedure", "Procedure"),
                    ("instruction", "Work instruction"),
                    ("record", "Record"),
                    ("agreement", "Agreement or contract"),
                    ("other", "Other"),
                ],
            )
            .required(),
            text("version", "Version").required(),
            owner().required(),
            person("approved_by", "Approved by"),
            date("approved_on", "Approved on"),
            review_date(),
            choice(
                "classification",
                "Classification",
                &[("public", "Public"), ("internal", "Internal"), ("confidential", "Confidential"), ("restricted", "Restricted")],
            ),
            text("location", "Location or link"),
            text("retention", "Retention"),
            choice("status", "Status", APPROVAL),
        ],
        title: "title",
        columns: &["kind", "version", "owner", "review_date"],
        sort: ("title", SortDir::Asc),
    },
    RegisterDef {
        id: "knowledge",
        name: "Knowledge",
        singular: "knowledge article",
        clause: "7.6",
        about: "Knowledge needed to run the SMS and services, kept current and available.",
        fields: &[
            title(),
            long("content", "Content").required(),
            links("services", "Services", "service"),
            owner(),
            review_date(),
            choice("status", "Status", &[("draft", "Draft"), ("published", "Published"), ("retired", "Retired")]),
        ],
        title: "title",
        columns: &["owner", "status", "review_date"],
        sort: ("title", SortDir::Asc),
    },
    RegisterDef {
        id: "service",
        name: "Service catalogue",
        singular: "service",
        clause: "8.2.4",
        about: "The services you provide: owners, customers, lifecycle stage, dependencies and requirements.",
        fields: &[
            name(),
            description(),
            owner().required(),
            links("customers", "Customers", "customer"),
            choice(
                "lifecycle",
                "Lifecycle stage",
                &[
                    ("proposed", "Proposed"),
                    ("design", "In design"),
                    ("live", "Live"),
                    ("retiring", "Retiring"),
                    ("retired", "Retired"),
                ],
            )
            .required(),
            choice("criticality", "Criticality", SEVERITY),
            links("depends_on", "Depends on services", "service"),
            links("cis", "Configuration items", "config_item"),
            long("requirements", "Service requirements"),
        ],
        title: "name",
        columns: &["owner", "lifecycle", "criticality"],
        sort: ("name", SortDir::Asc),
    },
    RegisterDef {
        id: "asset",
        name: "Assets",
        singular: "asset",
        clause: "8.2.5",
        about: "Assets used to deliver services, with owners, so they are managed to meet requirements.",
        fields: &[
            name(),
            text("kind", "Type"),
            owner().required(),
            text("location", "Location"),
            links("services", "Used by services", "service"),
            choice("status", "Status", &[("in_use", "In use"), ("in_stock", "In stock"), ("retired", "Retired")]),
        ],
        title: "name",
        columns: &["kind", "owner", "status"],
        sort: ("name", SortDir::Asc),
    },
    RegisterDef {
        id: "config_item",
        name: "Configuration items",
        singular: "configuration item",
        clause: "8.2.6",
        about: "Configuration items with a unique id, their relationships, and when they were last verified.",
        fields: &[
            name(),
            text("ci_id", "CI identifier").required(),
            choice(
                "kind",
                "Type",
                &[
                    ("hardware", "Hardware"),
                    ("software", "Software"),
                    ("cloud", "Cloud service"),
                    ("network", "Network"),
                    ("component", "Service component"),
                    ("document", "Document"),
                    ("other", "Other"),
                ],
            )
            .required(),
            text("version", "Version"),
            owner(),
            choice(
                "status",
                "Status",
                &[("planned", "Planned"), ("active", "Active"), ("maintenance", "In maintenance"), ("retired", "Retired")],
            ),
            links("services", "Supports services", "service"),
            links("depends_on", "Depends on", "config_item"),
            date("verified_on", "Last verified"),
        ],
        title: "name",
        columns: &["ci_id", "kind", "status", "verified_on"],
        sort: ("name", SortDir::Asc),
    },
    RegisterDef {
        id: "customer",
        name: "Customers",
        singular: "customer",
        clause: "8.3.2",
        about: "Customers and the relationship with them: contacts, services used, reviews and satisfaction.",
        fields: &[
            name(),
            choice("kind", "Type", &[("external", "External"), ("internal", "Internal")]).required(),
            person("contact", "Contact"),
            person("relationship_manager", "Relationship manager"),
            date("last_review", "Last service review"),
            choice(
                "satisfaction",
                "Satisfaction",
                &[("high", "Satisfied"), ("medium", "Neutral"), ("low", "Dissatisfied")],
            ),
        ],
        title: "name",
        columns: &["kind", "contact", "last_review", "satisfaction"],
        sort: ("name", SortDir::Asc),
    },
    RegisterDef {
        id: "complaint",
        name: "Service complaints",
        singular: "complaint",
        clause: "8.3.2",
        about: "Complaints from customers, how they were investigated and resolved.",
        fields: &[
            title(),
            link("customer", "Customer", "customer"),
            link("service", "Service", "service"),
            date("received_on", "Received on").required(),
            description(),
            owner(),
            choice("status", "Status", OPEN_CLOSED).required(),
            long("resolution", "Resolution"),
            date("closed_on", "Closed on"),
        ],
        title: "title",
        columns: &["customer", "received_on", "status"],
        sort: ("received_on", SortDir::Desc),
    },
    RegisterDef {
        id: "sla",
        name: "Service level agreements",
        singular: "SLA",
        clause: "8.3.3",
        about: "Agreements with customers: service level targets, workload limits and exceptions.",
        fields: &[
            title(),
            link("service", "Service", "service").required(),
            link("customer", "Customer", "customer"),
            long("targets", "Service level targets").required(),
            long("workload_limits", "Workload limits"),
            long("exceptions", "Exceptions"),
            choice("reporting", "Reporting", FREQUENCY),
            owner(),
            review_date(),
            choice("status", "Status", &[("draft", "Draft"), ("agreed", "Agreed"), ("expired", "Expired")]).required(),
        ],
        title: "title",
        columns: &["service", "customer", "status", "review_date"],
        sort: ("title", SortDir::Asc),
    },
    RegisterDef {
        id: "sla_result",
        name: "SLA results",
        singular: "SLA result",
        clause: "8.3.3",
        about: "Measured attainment of each SLA target per period, with breaches flagged.",
        fields: &[
            text("title", "Measure and period").required(),
            link("sla", "SLA", "sla").required(),
            date("period_start", "Period start").required(),
            text("metric", "Metric").required(),
            choice("direction", "Target is", &[("at_least", "At least"), ("at_most", "At most")]).required(),
            F::new("target", "Target", Kind::Decimal { min: -1e12, max: 1e12 }).required(),
            F::new("measured", "Measured", Kind::Decimal { min: -1e12, max: 1e12 }).required(),
            computed("met", "Result", sla_result_met),
            long("notes", "Notes"),
        ],
        title: "title",
        columns: &["sla", "period_start", "target", "measured", "met"],
        sort: ("period_start", SortDir::Desc),
    },
    RegisterDef {
        id: "supplier",
        name: "Suppliers",
        singular: "supplier",
        clause: "8.3.4",
        about: "External and internal suppliers, their contracts or agreements, targets and performance.",
        fields: &[
            name(),
            choice(
                "kind",
                "Type",
                &[
                    ("external", "External supplier"),
                    ("internal", "Internal supplier"),
                    ("customer", "Customer acting as a supplier"),
                ],
            )
            .required(),
            long("supplies", "What they supply"),
            links("services", "Services supported", "service"),
            text("contract", "Contract or agreement"),
            date("contract_start", "Contract start"),
            date("contract_end", "Contract end"),
            owner().required(),
            long("targets", "Targets"),
            date("last_review", "Last performance review"),
            choice("performance", "Performance", &[("good", "Good"), ("acceptable", "Acceptable"), ("poor", "Poor")]),
        ],
        title: "name",
        columns: &["kind", "owner", "contract_end", "performance"],
        sort: ("name", SortDir::Asc),
    },
    RegisterDef {
        id: "supplier_dispute",
        name: "Supplier disputes",
        singular: "dispute",
        clause: "8.3.4.1",
        about: "Disputes with external suppliers and how they were resolved.",
        fields: &[
            title(),
            link("supplier", "Supplier", "supplier").required(),
            date("raised_on", "Raised on").required(),
            description(),
            owner(),
            choice("status", "Status", OPEN_CLOSED).required(),
            long("resolution", "Resolution"),
        ],
        title: "title",
        columns: &["supplier", "raised_on", "status"],
        sort: ("raised_on", SortDir::Desc),
    },
    RegisterDef {
        id: "budget",
        name: "Budgets and costs",
        singular: "budget line",
        clause: "8.4.1",
        about: "Budgets and actual costs of services, so spending is planned and controlled.",
        fields: &[
            title(),
            link("service", "Service", "service"),
            text("period", "Period").required(),
            money("budget", "Budget").required(),
            money("actual", "Actual cost"),
            computed("variance", "Variance", budget_variance),
            owner(),
            long("notes", "Notes"),
        ],
        title: "title",
        columns: &["service", "period", "budget", "actual", "variance"],
        sort: ("title", SortDir::Asc),
    },
    RegisterDef {
        id: "capacity",
        name: "Demand and capacity",
        singular: "capacity plan",
        clause: "8.4.3",
        about: "Forecast demand and the capacity to meet it, with utilisation against thresholds.",
        fields: &[
            title(),
            link("service", "Service", "service"),
            text("resource", "Resource"),
            long("demand", "Demand forecast"),
            text("capacity", "Current capacity"),
            percent("utilisation", "Utilisation (%)"),
            percent("threshold", "Threshold (%)"),
            computed("state", "Against threshold", capacity_state),
            owner(),
            review_date(),
        ],
        title: "title",
        columns: &["service", "utilisation", "threshold", "state", "review_date"],
        sort: ("title", SortDir::Asc),
    },
    RegisterDef {
        id: "change",
        name: "Changes",
        singular: "change",
        clause: "8.5.1",
        about: "Requests for change: assessment, approval, implementation and review.",
        fields: &[
            title(),
            description(),
            long("rationale", "Reason for the change"),
            choice("kind", "Type", &[("standard", "Standard"), ("normal", "Normal"), ("emergency", "Emergency")]).required(),
            links("services", "Affected services", "service"),
            links("cis", "Affected configuration items", "config_item"),
            choice("risk", "Risk", LOW_HIGH),
            person("requested_by", "Requested by"),
            person("approver", "Approver"),
            choice(
                "decision",
                "Decision",
                &[("pending", "Pending"), ("approved", "Approved"), ("rejected", "Rejected")],
            )
            .required(),
            date("decided_on", "Decided on"),
            long("plan", "Implementation plan"),
            long("rollback", "Rollback plan"),
            when("scheduled", "Scheduled for"),
            when("implemented", "Implemented at"),
            choice(
                "outcome",
                "Outcome",
                &[
                    ("successful", "Successful"),
                    ("partial", "Partly successful"),
                    ("failed", "Failed"),
                    ("rolled_back", "Rolled back"),
                ],
            ),
            long("review", "Post-implementation review"),
            links("incidents", "Related incidents", "incident"),
            link("release", "Release", "release"),
        ],
        title: "title",
        columns: &["kind", "decision", "scheduled", "outcome"],
        sort: ("scheduled", SortDir::Desc),
    },
    RegisterDef {
        id: "service_design",
        name: "Service design and transition",
        singular: "design and transition plan",
        clause: "8.5.2",
        about: "Plans for new or changed services: requirements, design, build, acceptance and transition.",
        fields: &[
            title(),
            link("service", "Service", "service"),
            choice(
                "kind",
                "Type",
                &[("new", "New service"), ("changed", "Changed service"), ("removal", "Service removal")],
            )
            .required(),
            long("requirements", "Requirements"),
            long("design", "Design"),
            long("acceptance", "Acceptance criteria"),
            long("transition", "Transition plan"),
            owner(),
            date("target_date", "Target date"),
            choice(
                "status",
                "Stage",
                &[
                    ("planning", "Planning"),
                    ("design", "Design"),
                    ("build", "Build"),
                    ("transition", "Transition"),
                    ("done", "Done"),
                ],
            )
            .required(),
        ],
        title: "title",
        columns: &["service", "kind", "status", "target_date"],
        sort: ("target_date", SortDir::Asc),
    },
    RegisterDef {
        id: "release",
        name: "Releases and deployments",
        singular: "release",
        clause: "8.5.3",
        about: "Releases of changes into live use: acceptance tests, deployment and outcome.",
        fields: &[
            title(),
            links("changes", "Included changes", "change"),
            long("acceptance_tests", "Acceptance tests"),
            when("deployed", "Deployed at"),
            choice(
                "outcome",
                "Outcome",
                &[("planned", "Planned"), ("deployed", "Deployed"), ("failed", "Failed"), ("rolled_back", "Rolled back")],
            )
            .required(),
            flag("rollback_used", "Rollback used"),
            owner(),
        ],
        title: "title",
        columns: &["deployed", "outcome", "owner"],
        sort: ("deployed", SortDir::Desc),
    },
    RegisterDef {
        id: "incident",
        name: "Incidents",
        singular: "incident",
        clause: "8.6.1",
        about: "Unplanned interruptions: when they were reported, handled and resolved, and their impact.",
        fields: &[
            title(),
            link("service", "Service", "service"),
            when("opened", "Opened").required(),
            when("responded", "Responded"),
            when("resolved", "Resolved"),
            when("closed", "Closed"),
            choice("impact", "Impact", LOW_HIGH).required(),
            choice("urgency", "Urgency", LOW_HIGH).required(),
            computed("priority", "Priority", incident_priority),
            person("assignee", "Assigned to"),
            flag("escalated", "Escalated"),
            flag("major", "Major incident"),
            description(),
            long("resolution", "Resolution"),
            link("problem", "Problem", "problem"),
            choice("status", "Status", OPEN_CLOSED).required(),
            computed("hours", "Hours to resolve", incident_hours),
        ],
        title: "title",
        columns: &["service", "priority", "status", "opened", "hours"],
        sort: ("opened", SortDir::Desc),
    },
    RegisterDef {
        id: "service_request",
        name: "Service requests",
        singular: "service request",
        clause: "8.6.2",
        about: "Requests from users, logged, prioritised and fulfilled.",
        fields: &[
            title(),
            link("service", "Service", "service"),
            person("requested_by", "Requested by"),
            when("opened", "Opened").required(),
            when("fulfilled", "Fulfilled"),
            person("assignee", "Assigned to"),
            choice(
                "status",
                "Status",
                &[
                    ("open", "Open"),
                    ("in_progress", "In progress"),
                    ("fulfilled", "Fulfilled"),
                    ("closed", "Closed"),
                    ("rejected", "Rejected"),
                ],
            )
            .required(),
            long("notes", "Notes"),
        ],
        title: "title",
        columns: &["service", "status", "opened"],
        sort: ("opened", SortDir::Desc),
    },
    RegisterDef {
        id: "problem",
        name: "Problems and known errors",
        singular: "problem",
        clause: "8.6.3",
        about: "Root causes of incidents, workarounds, known errors and the changes that remove them.",
        fields: &[
            title(),
            description(),
            links("services", "Services", "service"),
            date("opened", "Opened"),
            long("root_cause", "Root cause"),
            long("workaround", "Workaround"),
            flag("known_error", "Known error"),
            link("change", "Change", "change"),
            owner(),
            choice(
                "status",
                "Status",
                &[
                    ("open", "Open"),
                    ("investigating", "Investigating"),
                    ("known_error", "Known error"),
                    ("resolved", "Resolved"),
                    ("closed", "Closed"),
                ],
            )
            .required(),
        ],
        title: "title",
        columns: &["status", "known_error", "owner", "opened"],
        sort: ("opened", SortDir::Desc),
    },
    RegisterDef {
        id: "availability",
        name: "Service availability",
        singular: "availability result",
        clause: "8.7.1",
        about: "Availability targets and what was measured each period.",
        fields: &[
            title(),
            link("service", "Service", "service").required(),
            percent("target", "Target availability (%)").required(),
            date("period_start", "Period start").required(),
            percent("measured", "Measured availability (%)"),
            computed("met", "Result", availability_met),
            long("notes", "Notes"),
        ],
        title: "title",
        columns: &["service", "period_start", "target", "measured", "met"],
        sort: ("period_start", SortDir::Desc),
    },
    RegisterDef {
        id: "continuity",
        name: "Service continuity",
        singular: "continuity plan or test",
        clause: "8.7.2",
        about: "Continuity plans for disruptions and the results of testing them.",
        fields: &[
            title(),
            choice("kind", "Plan or test", &[("plan", "Plan"), ("test", "Test")]).required(),
            links("services", "Services", "service"),
            long("scenario", "Scenario"),
            link("document", "Plan document", "document"),
            date("test_date", "Test date"),
            choice(
                "result",
                "Result",
                &[
                    ("passed", "Passed"),
                    ("issues", "Passed with issues"),
                    ("failed", "Failed"),
                    ("not_tested", "Not tested yet"),
                ],
            ),
            long("issues", "Issues found"),
            owner(),
            date("next_test", "Next test"),
        ],
        title: "title",
        columns: &["kind", "test_date", "result", "next_test"],
        sort: ("title", SortDir::Asc),
    },
    RegisterDef {
        id: "security_control",
        name: "Information security controls",
        singular: "control",
        clause: "8.7.3.2",
        about: "Controls chosen from the information security risk assessment, and their state.",
        fields: &[
            title(),
            text("reference", "Reference"),
            description(),
            links("risks", "Risks addressed", "risk"),
            owner(),
            choice(
                "status",
                "Status",
                &[("planned", "Planned"), ("implemented", "Implemented"), ("not_applicable", "Not applicable")],
            )
            .required(),
            long("justification", "Justification"),
            date("last_review", "Last reviewed"),
        ],
        title: "title",
        columns: &["reference", "status", "owner", "last_review"],
        sort: ("reference", SortDir::Asc),
    },
    RegisterDef {
        id: "security_incident",
        name: "Information security incidents",
        singular: "security incident",
        clause: "8.7.3.3",
        about: "Information security incidents: severity, what was affected, actions and who was told.",
        fields: &[
            title(),
            when("opened", "Opened").required(),
            when("closed", "Closed"),
            choice("severity", "Severity", SEVERITY).required(),
            flag("data_affected", "Personal or confidential data affected"),
            links("services", "Services", "service"),
            description(),
            long("actions", "Actions taken"),
            text("reported_to", "Reported to"),
            owner(),
            choice(
                "status",
                "Status",
                &[("open", "Open"), ("contained", "Contained"), ("resolved", "Resolved"), ("closed", "Closed")],
            )
            .required(),
        ],
        title: "title",
        columns: &["severity", "status", "opened"],
        sort: ("opened", SortDir::Desc),
    },
    RegisterDef {
        id: "measurement",
        name: "Monitoring and measurement",
        singular: "measurement",
        clause: "9.1",
        about: "What is measured, the results, and what the analysis shows.",
        fields: &[
            title(),
            text("metric", "Metric").required(),
            link("objective", "Objective", "objective"),
            date("period", "Period").required(),
            text("target", "Target"),
            text("value", "Result").required(),
            text("method", "Method"),
            long("analysis", "Analysis and evaluation"),
            owner(),
        ],
        title: "title",
        columns: &["metric", "period", "target", "value"],
        sort: ("period", SortDir::Desc),
    },
    RegisterDef {
        id: "service_report",
        name: "Service reports",
        singular: "service report",
        clause: "9.4",
        about: "Reports on service performance sent to customers and management.",
        fields: &[
            title(),
            link("service", "Service", "service"),
            date("period_start", "Period start"),
            date("period_end", "Period end"),
            text("audience", "Audience"),
            long("summary", "Summary"),
            date("sent_on", "Sent on"),
            owner(),
        ],
        title: "title",
        columns: &["service", "period_end", "sent_on"],
        sort: ("period_end", SortDir::Desc),
    },
    RegisterDef {
        id: "audit",
        name: "Internal audits",
        singular: "audit",
        clause: "9.2",
        about: "The audit programme: planned and completed internal audits, their scope and auditors.",
        fields: &[
            title(),
            long("scope", "Scope").required(),
            long("criteria", "Criteria"),
            date("planned", "Planned for").required(),
            date("conducted", "Conducted on"),
            person("lead_auditor", "Lead auditor"),
            text("auditors", "Other auditors"),
            text("auditees", "Auditees"),
            choice(
                "status",
                "Status",
                &[("planned", "Planned"), ("in_progress", "In progress"), ("reported", "Reported"), ("closed", "Closed")],
            )
            .required(),
            long("summary", "Summary of results"),
        ],
        title: "title",
        columns: &["planned", "lead_auditor", "status"],
        sort: ("planned", SortDir::Desc),
    },
    RegisterDef {
        id: "audit_finding",
        name: "Audit findings",
        singular: "finding",
        clause: "9.2",
        about: "Findings of internal audits, linked to clauses and to the nonconformities they raise.",
        fields: &[
            title(),
            link("audit", "Audit", "audit").required(),
            text("clause", "Clause"),
            choice(
                "kind",
                "Type",
                &[
                    ("conformity", "Conformity"),
                    ("major", "Major nonconformity"),
                    ("minor", "Minor nonconformity"),
                    ("observation", "Observation"),
                    ("opportunity", "Opportunity for improvement"),
                ],
            )
            .required(),
            description(),
            link("nonconformity", "Nonconformity raised", "nonconformity"),
            owner(),
        ],
        title: "title",
        columns: &["audit", "clause", "kind"],
        sort: ("title", SortDir::Asc),
    },
    RegisterDef {
        id: "management_review",
        name: "Management reviews",
        singular: "management review",
        clause: "9.3",
        about: "Reviews of the SMS by top management: inputs considered, decisions and actions.",
        fields: &[
            title(),
            date("date", "Date").required(),
            text("attendees", "Attendees"),
            long("inputs", "Inputs considered"),
            long("decisions", "Decisions"),
            links("actions", "Actions", "action"),
            date("next_review", "Next review"),
            choice(
                "status",
                "Status",
                &[("planned", "Planned"), ("held", "Held"), ("approved", "Minutes approved")],
            )
            .required(),
        ],
        title: "title",
        columns: &["date", "status", "next_review"],
        sort: ("date", SortDir::Desc),
    },
    RegisterDef {
        id: "action",
        name: "Actions",
        singular: "action",
        clause: "10.1",
        about: "Actions from risks, reviews, audits and nonconformities, with owners and due dates.",
        fields: &[
            title(),
            choice(
                "kind",
                "Type",
                &[
                    ("treatment", "Risk treatment"),
                    ("corrective", "Corrective action"),
                    ("review", "Management review action"),
                    ("audit", "Audit follow-up"),
                    ("improvement", "Improvement"),
                ],
            )
            .required(),
            description(),
            owner().required(),
            date("due_date", "Due date"),
            choice(
                "status",
                "Status",
                &[("open", "Open"), ("in_progress", "In progress"), ("done", "Done"), ("cancelled", "Cancelled")],
            )
            .required(),
            date("completed_on", "Completed on"),
            link("improvement", "Led to improvement", "improvement"),
        ],
        title: "title",
        columns: &["kind", "owner", "due_date", "status"],
        sort: ("due_date", SortDir::Asc),
    },
    RegisterDef {
        id: "nonconformity",
        name: "Nonconformities",
        singular: "nonconformity",
        clause: "10.1",
        about: "Nonconformities, their correction, root cause, corrective actions and whether they worked.",
        fields: &[
            title(),
            choice(
                "origin",
                "Origin",
                &[
                    ("audit", "Audit"),
                    ("complaint", "Complaint"),
                    ("incident", "Incident"),
                    ("process", "Process review"),
                    ("review", "Management review"),
                    ("other", "Other"),
                ],
            )
            .required(),
            text("clause", "Clause"),
            description().required(),
            choice("severity", "Severity", &[("major", "Major"), ("minor", "Minor")]).required(),
            long("correction", "Immediate correction"),
            long("root_cause", "Root cause"),
            links("actions", "Corrective actions", "action"),
            owner().required(),
            date("due_date", "Due date"),
            long("effectiveness", "Effectiveness check"),
            date("checked_on", "Checked on"),
            date("raised_on", "Raised on"),
            date("closed_on", "Closed on"),
            choice(
                "status",
                "Status",
                &[("open", "Open"), ("planned", "Action planned"), ("verifying", "Verifying"), ("closed", "Closed")],
            )
            .required(),
        ],
        title: "title",
        columns: &["origin", "severity", "owner", "status", "due_date"],
        sort: ("due_date", SortDir::Asc),
    },
    RegisterDef {
        id: "improvement",
        name: "Improvements",
        singular: "improvement",
        clause: "10.2",
        about: "Opportunities for improvement: where they came from, their benefit, priority and result.",
        fields: &[
            title(),
            choice(
                "source",
                "Source",
                &[
                    ("audit", "Audit"),
                    ("nonconformity", "Nonconformity"),
                    ("customer", "Customer"),
                    ("staff", "Staff"),
                    ("review", "Management review"),
                    ("measurement", "Measurement"),
                    ("other", "Other"),
                ],
            ),
            description(),
            long("benefit", "Expected benefit"),
            choice("priority", "Priority", LOW_HIGH),
            owner(),
            date("due_date", "Due date"),
            choice(
                "status",
                "Status",
                &[
                    ("proposed", "Proposed"),
                    ("approved", "Approved"),
                    ("in_progress", "In progress"),
                    ("done", "Done"),
                    ("rejected", "Rejected"),
                ],
            )
            .required(),
            long("evaluation", "Evaluation of the result"),
        ],
        title: "title",
        columns: &["source", "priority", "owner", "status"],
        sort: ("title", SortDir::Asc),
    },
];
