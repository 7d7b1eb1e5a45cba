//! The ISO/IEC 20000-1:2018 clause catalogue: clauses 4–10 down to their
//! lowest headings, which are the checklist items.
//!
//! Only clause numbers, short titles and this project's own one-line
//! paraphrases are kept here — never text of the standard. The data is a
//! plain table so it is easy to read and correct.

/// One clause or sub-clause heading.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Clause {
    /// Dotted number, e.g. "8.3.4.1".
    pub number: &'static str,
    /// Short title.
    pub title: &'static str,
    /// Our own one-line paraphrase of what the clause asks for.
    pub summary: &'static str,
    /// What an auditor typically asks to see (empty for headings that have
    /// sub-clauses; those are not checklist items).
    pub evidence: &'static str,
    /// Registers (ids, see [`crate::registers`]) whose records evidence it.
    pub registers: &'static [&'static str],
}

/// Shorthand for a heading that has sub-clauses (not a checklist item).
const fn heading(number: &'static str, title: &'static str, summary: &'static str) -> Clause {
    Clause {
        number,
        title,
        summary,
        evidence: "",
        registers: &[],
    }
}

/// Shorthand for a lowest-level heading (a checklist item).
const fn item(
    number: &'static str,
    title: &'static str,
    summary: &'static str,
    evidence: &'static str,
    registers: &'static [&'static str],
) -> Clause {
    Clause {
        number,
        title,
        summary,
        evidence,
        registers,
    }
}

/// Every heading, in document order.
pub const CLAUSES: &[Clause] = &[
    // ---------------------------------------------------------------- 4
    heading(
        "4",
        "Context of the organization",
        "Understand the organisation's situation, who cares about its services, and what the management system covers.",
    ),
    item(
        "4.1",
        "Understanding the organization and its context",
        "Identify the internal and external issues that affect your service management results, and decide whether climate change is one of them.",
        "Register of internal and external issues with owners and review dates, including a recorded decision on climate change relevance",
        &["context_issue"],
    ),
    item(
        "4.2",
        "Understanding the needs and expectations of interested parties",
        "List the parties with a stake in your services and what each of them requires, including any climate-related requirements.",
        "Interested-party register listing each party and its requirements (climate-related ones included), with last review date",
        &["interested_party"],
    ),
    item(
        "4.3",
        "Determining the scope of the service management system",
        "Decide and write down which services, organisational units and locations the management system covers.",
        "Approved, version-controlled scope statement naming the services, organisational units and locations covered",
        &["scope", "document", "service"],
    ),
    item(
        "4.4",
        "Service management system",
        "Set up, run, maintain and keep improving the management system, including its processes and how they connect.",
        "Process map or system manual showing processes and their interfaces; process documents with named owners",
        &["document", "role"],
    ),
    // ---------------------------------------------------------------- 5
    heading(
        "5",
        "Leadership",
        "Top management lead the management system, set its policy and make sure roles are assigned.",
    ),
    item(
        "5.1",
        "Leadership and commitment",
        "Top management visibly back the system: they set direction, provide resources and make sure it delivers what was intended.",
        "Signed policy, management review minutes with decisions, approved resources, messages from leadership to staff",
        &["management_review", "policy", "resource", "communication"],
    ),
    heading(
        "5.2",
        "Policy",
        "Have a service management policy that top management approve and people understand.",
    ),
    item(
        "5.2.1",
        "Establishing the service management policy",
        "Top management approve a policy that fits the organisation, frames its objectives and commits to meeting requirements and improving.",
        "Approved policy document with version, owner, approval date and next review date",
        &["policy", "document"],
    ),
    item(
        "5.2.2",
        "Communicating the service management policy",
        "Keep the policy as a document, explain it to staff, and make it available to interested parties where that makes sense.",
        "Policy published on the intranet, staff briefing or read-and-accept records, copies shared with interested parties",
        &["policy", "communication", "document"],
    ),
    item(
        "5.3",
        "Organizational roles, responsibilities and authorities",
        "Assign and announce who is responsible for the system and each process, and who reports its performance to top management.",
        "Role descriptions or RACI chart, appointment records, organisation chart showing system and process owners",
        &["role", "document"],
    ),
    // ---------------------------------------------------------------- 6
    heading(
        "6",
        "Planning",
        "Plan how to deal with risks and opportunities, set objectives, and plan the management system itself.",
    ),
    item(
        "6.1",
        "Actions to address risks and opportunities",
        "Find risks and opportunities for the system and services, set acceptance criteria, plan actions for them and check the actions work.",
        "Risk method with acceptance criteria; risk register with scores, owners and treatments; tracking of treatment actions",
        &["risk", "action", "document"],
    ),
    heading(
        "6.2",
        "Service management objectives and planning to achieve them",
        "Set measurable service management objectives and plan how to reach them.",
    ),
    item(
        "6.2.1",
        "Establish objectives",
        "Set measurable objectives for the relevant functions and levels that match the policy and requirements, and keep them monitored and up to date.",
        "Objectives register with metric, target, owner and current value; evidence the objectives were shared with staff",
        &["objective", "document"],
    ),
    item(
        "6.2.2",
        "Plan to achieve objectives",
        "For each objective, decide what will be done, by whom, with which resources, by when, and how success will be judged.",
        "Action plans per objective with owners, resources and due dates; progress reviews against targets",
        &["objective", "action", "plan_item"],
    ),
    item(
        "6.3",
        "Plan the service management system",
        "Write and keep up to date a plan for the system covering objectives, service requirements, constraints, roles, resources, risks and tools.",
        "Approved system plan with version and owner listing objectives, roles, resources, risks and timetable; plan review records",
        &["plan_item", "document"],
    ),
    // ---------------------------------------------------------------- 7
    heading(
        "7",
        "Support of the service management system",
        "Provide the people, skills, awareness, communication, documents and knowledge the system relies on.",
    ),
    item(
        "7.1",
        "Resources",
        "Work out and provide the people, technology, money and other resources needed to run and improve the system and services.",
        "Resource register or plan, staffing and tooling lists, approved budgets, resourcing decisions from management review",
        &["resource", "budget", "management_review"],
    ),
    item(
        "7.2",
        "Competence",
        "Decide what skills each role needs, make sure people have them through training or experience, and keep proof.",
        "Competence matrix per role, training certificates and CVs, training plans and checks that training worked",
        &["competence", "role"],
    ),
    item(
        "7.3",
        "Awareness",
        "Make sure people know the policy, the objectives that affect them, how they contribute, and what happens if they ignore the system.",
        "Induction and awareness training records, attendance lists, acknowledgement or quiz results",
        &["communication", "competence"],
    ),
    item(
        "7.4",
        "Communication",
        "Decide what to communicate about the system and services, to whom, when, how and by whom, both internally and externally.",
        "Communication plan listing topics, audiences, timing and channels; meeting minutes, newsletters and announcements",
        &["communication", "document"],
    ),
    heading(
        "7.5",
        "Documented information",
        "Create, control and keep the documents and records the system needs.",
    ),
    item(
        "7.5.1",
        "General",
        "Keep the documents and records the standard calls for, plus any others you find the system needs to work well.",
        "Document register listing required policies, plans, procedures and records with type and owner",
        &["document"],
    ),
    item(
        "7.5.2",
        "Creating and updating documented information",
        "Give each document a clear identity and suitable format, and have it reviewed and approved before it is used.",
        "Document templates with title, id, version and author; approval history and change log for each document",
        &["document"],
    ),
    item(
        "7.5.3",
        "Control of documented information",
        "Keep documents available where needed, protected, under version control, kept for a set time and disposed of properly, external ones included.",
        "Access rights, version history, retention schedule, distribution lists, controlled copies of external documents",
        &["document"],
    ),
    item(
        "7.5.4",
        "Service management system documented information",
        "Hold the core documents, such as scope, policies, objectives, plan, catalogue, agreements and process procedures, and the records each process needs.",
        "Document register covering scope, policies, objectives, system plan, service catalogue, SLAs, contracts and procedures",
        &["document", "scope", "policy", "objective"],
    ),
    item(
        "7.6",
        "Knowledge",
        "Work out what knowledge is needed to run the system and services, keep it current and make it available to those who need it.",
        "Knowledge base articles with owner and review date, how-to and known-error articles, records of access and use",
        &["knowledge"],
    ),
    // ---------------------------------------------------------------- 8
    heading(
        "8",
        "Operation of the service management system",
        "Plan, deliver and control the services and the processes behind them.",
    ),
    item(
        "8.1",
        "Operational planning and control",
        "Plan, run and control the processes that deliver services, keep records showing they ran as planned, and control outsourced processes.",
        "Process procedures and schedules, operational records showing processes ran as planned, controls over outsourced work",
        &["document", "plan_item", "supplier"],
    ),
    heading(
        "8.2",
        "Service portfolio",
        "Plan and deliver the services and keep track of their assets and configuration.",
    ),
    item(
        "8.2.1",
        "Service delivery",
        "Run the system so that services are delivered as agreed, coordinating the activities and resources involved.",
        "Service catalogue of live services, operational schedules and logs, service level attainment results",
        &["service", "sla_result"],
    ),
    item(
        "8.2.2",
        "Plan the services",
        "Work out and write down the requirements for current and new services, including dependencies, priorities and needed changes.",
        "Documented service requirements per service, dependency maps, prioritised list of service changes",
        &["service", "document", "change"],
    ),
    item(
        "8.2.3",
        "Control of parties involved in the service lifecycle",
        "Stay accountable for work that other parties do on your services, and make sure it is controlled and fits with your own processes.",
        "List of other parties and what they do, contracts or agreements, interface controls, performance review records",
        &["supplier", "document"],
    ),
    item(
        "8.2.4",
        "Service catalogue management",
        "Keep one or more catalogues that describe each service, what it delivers, who it is for and what it depends on.",
        "Published service catalogue with descriptions, owners, customers, lifecycle status and dependencies; change history",
        &["service", "document"],
    ),
    item(
        "8.2.5",
        "Asset management",
        "Manage the assets used to deliver services so that requirements and obligations, such as licences, are met.",
        "Asset register with owner, location, status and licence or warranty details; reconciliation records",
        &["asset"],
    ),
    item(
        "8.2.6",
        "Configuration management",
        "Define configuration item types, record each item and its relationships, control changes to them and check the records stay accurate.",
        "Configuration records (e.g. CMDB export) with id, type, owner, version and relationships; verification results",
        &["config_item", "change"],
    ),
    heading(
        "8.3",
        "Relationship and agreement",
        "Manage relationships and agreements with customers and suppliers.",
    ),
    item(
        "8.3.1",
        "General",
        "Know how customers, users and suppliers relate to your services, and manage those relationships so agreed requirements are met.",
        "Map of customer and supplier relationships; inventory linking each service to its SLAs and contracts",
        &["customer", "supplier", "sla"],
    ),
    item(
        "8.3.2",
        "Business relationship management",
        "Know your customers and users, review service performance with them, measure satisfaction, and record and resolve service complaints.",
        "Customer register with contacts, service review minutes, satisfaction survey results, complaint log with outcomes",
        &["customer", "complaint", "service_report"],
    ),
    item(
        "8.3.3",
        "Service level management",
        "Agree documented service levels with customers, including targets, workload limits and exceptions, and track and review performance.",
        "Approved SLA documents with targets, workload limits and exceptions; attainment results per period; SLA review records",
        &["sla", "sla_result", "document"],
    ),
    heading(
        "8.3.4",
        "Supplier management",
        "Manage external suppliers, internal suppliers and customers who act as suppliers.",
    ),
    item(
        "8.3.4.1",
        "Management of external suppliers",
        "Have a contract with each external supplier, monitor their performance against agreed targets, and record and settle any disputes.",
        "Supplier contracts with scope, targets and dates; supplier performance reviews; dispute log with resolutions",
        &["supplier", "supplier_dispute", "document"],
    ),
    item(
        "8.3.4.2",
        "Management of internal suppliers and customers acting as a supplier",
        "Agree documented targets with internal teams and customers who supply parts of a service, and monitor how they perform.",
        "Operational level agreements or similar documented agreements with targets; performance monitoring and review records",
        &["supplier", "document"],
    ),
    heading(
        "8.4",
        "Supply and demand",
        "Budget for services and keep capacity in line with demand.",
    ),
    item(
        "8.4.1",
        "Budgeting and accounting for services",
        "Budget and account for service costs in line with your financial policies so spending is controlled and decisions are well informed.",
        "Approved service budgets, cost reports against budget, cost allocation model",
        &["budget"],
    ),
    item(
        "8.4.2",
        "Demand management",
        "Forecast demand for services at regular intervals, watch actual usage, and report on it.",
        "Demand forecasts per service, usage trend reports, records of demand reviews",
        &["capacity", "measurement"],
    ),
    item(
        "8.4.3",
        "Capacity management",
        "Plan and provide enough people, technology and information capacity to meet agreed needs, and monitor and adjust it.",
        "Capacity plan with thresholds and forecasts, utilisation monitoring reports, records of capacity actions",
        &["capacity", "measurement"],
    ),
    heading(
        "8.5",
        "Service design, build and transition",
        "Control changes, and design, build and release new or changed services.",
    ),
    heading(
        "8.5.1",
        "Change management",
        "Control changes to services and their components through a defined policy and process.",
    ),
    item(
        "8.5.1.1",
        "Change management policy",
        "Write down which services and components are under change control and what makes a change likely to have a major impact.",
        "Approved change policy listing controlled components, change types and the criteria for major-impact changes",
        &["document", "policy"],
    ),
    item(
        "8.5.1.2",
        "Change management initiation",
        "Record every request for change, and send changes that meet the major-impact criteria through service design and transition.",
        "Change log with every request recorded and classified; major-impact changes linked to service design records",
        &["change", "service_design"],
    ),
    item(
        "8.5.1.3",
        "Change management activities",
        "Weigh risk, impact and benefit of each change, decide on it, plan, test and schedule it with a way back, and review how it went.",
        "Change records with risk and impact, approval decision, test and rollback plan, schedule, post-implementation review",
        &["change", "release", "config_item"],
    ),
    heading(
        "8.5.2",
        "Service design and transition",
        "Plan, design, build and move new or changed services into live use.",
    ),
    item(
        "8.5.2.1",
        "Plan new or changed services",
        "Plan each new or changed service, covering requirements, responsibilities, timescales, resources, risks and acceptance criteria.",
        "Design and transition plan with requirements, roles, timetable, resources, risks and acceptance criteria",
        &["service_design", "service", "document"],
    ),
    item(
        "8.5.2.2",
        "Design",
        "Design each new or changed service to meet its requirements, and record the design, including updates to agreements and the catalogue.",
        "Design documents, updated SLA, contract and catalogue drafts, design review sign-off",
        &["service_design", "document", "sla"],
    ),
    item(
        "8.5.2.3",
        "Build and transition",
        "Build and test each new or changed service against its acceptance criteria before putting it into live use.",
        "Build and test results against acceptance criteria, transition sign-off, handover to operations",
        &["service_design", "release"],
    ),
    item(
        "8.5.3",
        "Release and deployment management",
        "Plan, test and deploy releases into live use in a controlled way, check they worked, and be able to roll back.",
        "Release schedule; release records with included changes, acceptance tests, deployment outcome and any rollback",
        &["release", "change"],
    ),
    heading(
        "8.6",
        "Resolution and fulfilment",
        "Restore service after incidents, fulfil requests and remove the causes of problems.",
    ),
    item(
        "8.6.1",
        "Incident management",
        "Record, prioritise, escalate and resolve incidents, with a defined way of handling major incidents and keeping users informed.",
        "Incident log with timestamps, priority, escalation and resolution; major incident procedure and reviews",
        &["incident", "document"],
    ),
    item(
        "8.6.2",
        "Service request management",
        "Record, prioritise and fulfil service requests, keep requesters updated, and have instructions for handling each kind of request.",
        "Service request log with fulfilment times; request catalogue or fulfilment instructions",
        &["service_request", "knowledge"],
    ),
    item(
        "8.6.3",
        "Problem management",
        "Analyse data to spot problems, find their root causes, record workarounds and known errors, and raise changes to fix them.",
        "Problem records with root cause, workaround and linked change; known-error list; trend analysis",
        &["problem", "knowledge", "change"],
    ),
    heading(
        "8.7",
        "Service assurance",
        "Make sure services stay available, keep going through disruptions and are kept secure.",
    ),
    item(
        "8.7.1",
        "Service availability management",
        "Agree and write down availability requirements and targets, then measure, record and act on actual availability.",
        "Documented availability targets per service, availability measured per period, analysis of missed targets",
        &["availability", "sla", "document"],
    ),
    item(
        "8.7.2",
        "Service continuity management",
        "Agree continuity requirements, keep plans for restoring services after a major disruption, and test them regularly.",
        "Service continuity plans with contacts and recovery steps, test schedule, test reports and follow-up actions",
        &["continuity", "document", "action"],
    ),
    heading(
        "8.7.3",
        "Information security management",
        "Protect the information used by the services through a policy, controls and incident handling.",
    ),
    item(
        "8.7.3.1",
        "Information security policy",
        "Have an approved information security policy, tell people about it, and take it into account when designing and running services.",
        "Approved information security policy with review date and scope; records of communicating it",
        &["policy", "document", "communication"],
    ),
    item(
        "8.7.3.2",
        "Information security controls",
        "Assess information security risks at planned intervals, pick and apply controls to treat them, and record the decisions.",
        "Information security risk assessments, control list or statement of applicability, records of control decisions",
        &["security_control", "risk", "document"],
    ),
    item(
        "8.7.3.3",
        "Information security incidents",
        "Record, classify and deal with information security incidents promptly, and learn from them so they happen less.",
        "Security incident log with classification, actions and closure; post-incident reviews and follow-up actions",
        &["security_incident", "action"],
    ),
    // ---------------------------------------------------------------- 9
    heading(
        "9",
        "Performance evaluation",
        "Check how well the system and services perform through measurement, audits, reviews and reports.",
    ),
    item(
        "9.1",
        "Monitoring, measurement, analysis and evaluation",
        "Decide what to measure, how and when, then analyse the results to judge how the services and the system are performing.",
        "Measurement plan with metrics and methods, KPI dashboards, analysis and evaluation reports",
        &["measurement", "objective", "sla_result"],
    ),
    item(
        "9.2",
        "Internal audit",
        "Run a planned programme of impartial internal audits to check the system conforms and works, and report the results to management.",
        "Audit programme; audit plans and reports showing auditor independence, findings and follow-up",
        &["audit", "audit_finding"],
    ),
    item(
        "9.3",
        "Management review",
        "Top management review the system at planned intervals, look at a defined set of inputs, and record decisions and actions.",
        "Review schedule; minutes showing inputs considered, decisions made and actions with owners and due dates",
        &["management_review", "action"],
    ),
    item(
        "9.4",
        "Service reporting",
        "Agree which service reports are needed, produce them from measured data, and use them to make decisions.",
        "Service reports per customer or service showing performance against targets, trends, incidents and complaints",
        &["service_report", "sla_result", "measurement"],
    ),
    // ---------------------------------------------------------------- 10
    heading(
        "10",
        "Improvement",
        "Fix what goes wrong and keep making the system and services better.",
    ),
    item(
        "10.1",
        "Nonconformity and corrective action",
        "When something falls short, fix it, find out why, act so it does not happen again, and check the action worked.",
        "Nonconformity log with correction, root cause, corrective actions, effectiveness check and closure date",
        &["nonconformity", "action"],
    ),
    item(
        "10.2",
        "Continual improvement",
        "Keep improving the system and services by recording, assessing, prioritising and acting on improvement opportunities.",
        "Improvement register with source, benefit, priority, owner, status and evaluation of results",
        &["improvement", "action"],
    ),
];

/// Every register id the catalogue may refer to.
pub const REGISTER_IDS: &[&str] = &[
    "context_issue",
    "interested_party",
    "scope",
    "policy",
    "role",
    "risk",
    "objective",
    "plan_item",
    "resource",
    "competence",
    "communication",
    "document",
    "knowledge",
    "service",
    "asset",
    "config_item",
    "customer",
    "complaint",
    "sla",
    "sla_result",
    "supplier",
    "supplier_dispute",
    "budget",
    "capacity",
    "change",
    "service_design",
    "release",
    "incident",
    "service_request",
    "problem",
    "availability",
    "continuity",
    "security_control",
    "security_incident",
    "measurement",
    "service_report",
    "audit",
    "audit_finding",
    "management_review",
    "action",
    "nonconformity",
    "improvement",
];

/// The number without its last dotted segment ("8.3.4.1" → "8.3.4"), or
/// `None` for a top-level number.
fn parent_number(number: &str) -> Option<&str> {
    number.rsplit_once('.').map(|(head, _)| head)
}

/// The clause with this exact number, if the catalogue has it.
pub fn clause(number: &str) -> Option<&'static Clause> {
    CLAUSES.iter().find(|c| c.number == number)
}

/// The parent number of `number` ("8.3.4.1" → "8.3.4"); `None` for top-level
/// clauses and for numbers whose parent is not in the catalogue.
pub fn parent(number: &str) -> Option<&'static str> {
    parent_number(number).and_then(clause).map(|c| c.number)
}

/// The direct sub-clauses of `number`, in document order.
pub fn children(number: &str) -> impl Iterator<Item = &'static Clause> {
    let number = number.to_owned();
    CLAUSES
        .iter()
        .filter(move |c| parent_number(c.number) == Some(number.as_str()))
}

/// Whether `c` is a lowest-level heading (no sub-clauses), i.e. a checklist
/// item.
pub fn is_checklist_item(c: &Clause) -> bool {
    !CLAUSES
        .iter()
        .any(|d| parent_number(d.number) == Some(c.number))
}

/// All checklist items, in document order.
pub fn checklist_items() -> impl Iterator<Item = &'static Clause> {
    CLAUSES.iter().filter(|c| is_checklist_item(c))
}

/// The top-level clauses 4–10, in document order.
pub fn top_level() -> impl Iterator<Item = &'static Clause> {
    CLAUSES.iter().filter(|c| parent_number(c.number).is_none())
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::HashSet;

    /// Number of checklist items (leaf headings) in the table.
    const LEAF_COUNT: usize = 57;

    fn segments(number: &str) -> Vec<u32> {
        number
            .split('.')
            .map(|s| {
                assert!(
                    !s.is_empty() && s.bytes().all(|b| b.is_ascii_digit()) && !s.starts_with('0'),
                    "bad segment {s:?} in {number:?}"
                );
                s.parse().expect("numeric segment")
            })
            .collect()
    }

    #[test]
    fn numbers_are_well_formed() {
        for c in CLAUSES {
            let segs = segments(c.number);
            assert!(
                (4..=10).contains(&segs[0]),
                "{} does not start with 4..=10",
                c.number
            );
        }
    }

    #[test]
    fn numbers_are_unique() {
        let mut seen = HashSet::new();
        for c in CLAUSES {
            assert!(seen.insert(c.number), "duplicate {}", c.number);
        }
    }

    #[test]
    fn numbers_are_in_document_order() {
        for pair in CLAUSES.windows(2) {
            assert!(
                segments(pair[0].number) < segments(pair[1].number),
                "{} should come before {}",
                pair[0].number,
                pair[1].number
            );
        }
    }

    #[test]
    fn parents_exist_and_come_first() {
        for (i, c) in CLAUSES.iter().enumerate() {
            let Some(p) = parent_number(c.number) else {
                continue;
            };
            let pos = CLAUSES
                .iter()
                .position(|d| d.number == p)
                .unwrap_or_else(|| panic!("parent {p} of {} missing", c.number));
            assert!(pos < i, "parent {p} comes after {}", c.number);
            assert_eq!(parent(c.number), Some(p));
            assert!(children(p).any(|d| d.number == c.number));
        }
    }

    #[test]
    fn top_level_is_4_to_10() {
        let tops: Vec<&str> = top_level().map(|c| c.number).collect();
        assert_eq!(tops, ["4", "5", "6", "7", "8", "9", "10"]);
        for t in tops {
            assert_eq!(parent(t), None);
        }
    }

    #[test]
    fn checklist_item_count() {
        let n = checklist_items().count();
        assert!((55..=60).contains(&n), "{n} checklist items");
        assert_eq!(n, LEAF_COUNT);
    }

    #[test]
    fn specific_items() {
        for n in ["8.3.4.1", "8.5.1.3", "8.7.3.2", "6.2.1", "7.5.4"] {
            let c = clause(n).unwrap_or_else(|| panic!("{n} missing"));
            assert!(is_checklist_item(c), "{n} should be a checklist item");
        }
        let supplier = clause("8.3.4").expect("8.3.4 present");
        assert!(!is_checklist_item(supplier));
        assert_eq!(children("8.3.4").count(), 2);
        assert_eq!(clause("6.2.1").unwrap().title, "Establish objectives");
        assert_eq!(clause("6.2.2").unwrap().title, "Plan to achieve objectives");
        assert_eq!(clause("11"), None);
    }

    #[test]
    fn checklist_items_are_complete() {
        let known: HashSet<&str> = REGISTER_IDS.iter().copied().collect();
        for c in checklist_items() {
            assert!(!c.summary.trim().is_empty(), "{} summary", c.number);
            assert!(!c.evidence.trim().is_empty(), "{} evidence", c.number);
            assert!(!c.registers.is_empty(), "{} has no register", c.number);
            let mut seen = HashSet::new();
            for r in c.registers {
                assert!(known.contains(r), "{} unknown register {r}", c.number);
                assert!(seen.insert(*r), "{} repeats register {r}", c.number);
            }
        }
    }

    #[test]
    fn headings_carry_no_evidence() {
        for c in CLAUSES.iter().filter(|c| !is_checklist_item(c)) {
            assert!(c.evidence.is_empty(), "{} has evidence", c.number);
            assert!(c.registers.is_empty(), "{} has registers", c.number);
        }
    }

    #[test]
    fn context_mentions_climate() {
        let c = clause("4.1").unwrap();
        let text = format!("{} {}", c.summary, c.evidence).to_lowercase();
        assert!(text.contains("climate"));
        assert!(clause("4.2")
            .unwrap()
            .summary
            .to_lowercase()
            .contains("climate"));
    }

    #[test]
    fn text_is_tidy() {
        for c in CLAUSES {
            for (what, s) in [
                ("title", c.title),
                ("summary", c.summary),
                ("evidence", c.evidence),
            ] {
                assert_eq!(s, s.trim(), "{} {what} has stray whitespace", c.number);
            }
            assert!(!c.title.is_empty(), "{} title", c.number);
            assert!(!c.summary.is_empty(), "{} summary", c.number);
            assert!(
                c.summary.ends_with('.'),
                "{} summary needs a period",
                c.number
            );
            assert!(
                c.summary.chars().count() <= 160,
                "{} summary is {} chars",
                c.number,
                c.summary.chars().count()
            );
        }
    }

    #[test]
    fn register_ids_are_unique_and_all_used() {
        let mut seen = HashSet::new();
        for r in REGISTER_IDS {
            assert!(seen.insert(*r), "duplicate register id {r}");
            assert!(
                CLAUSES.iter().any(|c| c.registers.contains(r)),
                "register {r} evidences no item"
            );
        }
    }
}
