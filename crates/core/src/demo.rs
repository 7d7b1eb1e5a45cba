//! The demo workbook: a fictional IT service provider with realistic records,
//! so a newcomer sees the product working at once.
//!
//! Records are data: each has a local name, used by other records' link
//! fields (`"@name"`, several separated by spaces), and field values as a
//! form would hold them, so every demo record passes the same validation as
//! a person's input.

use std::collections::BTreeMap;

use crate::registers::{self, Kind, RecordDraft};
use crate::{ActorBytes, ChangeContext, RecordId, Workbook, WorkbookError, WorkbookId};

pub const DEMO_NAME: &str = "Northwind IT Services — demo workbook";

/// One demo record: (local name, register id, field values).
pub type DemoRecord = (
    &'static str,
    &'static str,
    &'static [(&'static str, &'static str)],
);

#[rustfmt::skip]
pub const RECORDS: &[DemoRecord] = &[
    // ---- 4.1 Context issues -------------------------------------------------
    ("ctx-heat", "context_issue", &[
        ("title", "Hotter summers and longer heat waves"),
        ("kind", "external"), ("category", "environmental"), ("climate", "true"),
        ("description", "Summer peaks above 35 °C are now common; the secondary server room was designed for cooler summers."),
        ("effect", "Cooling limits in the secondary room threaten availability targets and continuity plans during heat waves."),
        ("owner", "Tom Becker"), ("review_date", "2027-05-01"),
    ]),
    ("ctx-carbon-reporting", "context_issue", &[
        ("title", "Customers ask for carbon data on hosted services"),
        ("kind", "external"), ("category", "environmental"), ("climate", "true"),
        ("description", "Two customers now report their supply-chain emissions and ask suppliers for energy use per service."),
        ("effect", "We need to measure data centre energy per service and include it in annual service reviews."),
        ("owner", "Daniel Reyes"), ("review_date", "2027-03-31"),
    ]),
    ("ctx-legacy-payroll", "context_issue", &[
        ("title", "Payroll platform version nears end of support"),
        ("kind", "internal"), ("category", "technological"), ("climate", "false"),
        ("description", "The payroll application vendor ends support for version 7 in December 2027."),
        ("effect", "An upgrade project must be planned as a changed service, with customer testing and a release window."),
        ("owner", "Kofi Mensah"), ("review_date", "2026-09-30"),
    ]),
    ("ctx-skills", "context_issue", &[
        ("title", "Tight market for experienced engineers"),
        ("kind", "external"), ("category", "social"), ("climate", "false"),
        ("description", "Network and security engineers are hard to hire; two posts stayed open for five months in 2026."),
        ("effect", "Knowledge concentrates in few people; training and documented knowledge matter more."),
        ("owner", "Helen Marsh"), ("review_date", "2027-01-31"),
    ]),
    ("ctx-cyber-rules", "context_issue", &[
        ("title", "Stricter cyber security rules for managed service providers"),
        ("kind", "external"), ("category", "legal"), ("climate", "false"),
        ("description", "New national rules bring incident reporting deadlines and supply-chain security duties for providers like us."),
        ("effect", "Security incident handling must meet reporting deadlines; customers will audit our controls."),
        ("owner", "Priya Nair"), ("review_date", "2026-12-15"),
    ]),

    // ---- 4.2 Interested parties ---------------------------------------------
    ("ip-customers", "interested_party", &[
        ("name", "Customer organisations"),
        ("kind", "customer"),
        ("requirements", "Agreed service levels met and reported monthly; prompt notice of major incidents; secure handling of their data."),
        ("climate_requirements", "Harbourline Logistics and Corvell Engineering ask for yearly energy use and emissions of the services they buy, and for a plan to reduce them."),
        ("how_met", "SLAs with monthly service reports; major incident notice within 30 minutes; energy per service added to annual reviews from 2027."),
        ("owner", "Daniel Reyes"), ("review_date", "2027-02-28"),
    ]),
    ("ip-end-users", "interested_party", &[
        ("name", "Customers' staff using our services"),
        ("kind", "user"),
        ("requirements", "Reliable email and payroll; quick answers from the service desk; clear status when something is down."),
        ("how_met", "Service desk hours 07:00–19:00 with on-call cover; status messages on the customer portal."),
        ("owner", "Sam Okafor"), ("review_date", "2027-02-28"),
    ]),
    ("ip-board", "interested_party", &[
        ("name", "Owners and board"),
        ("kind", "owner"),
        ("requirements", "Profitable growth, ISO/IEC 20000-1 certification by mid-2027, no reputational damage from outages or breaches."),
        ("climate_requirements", "The board committed to cut data centre energy use by 15% by 2028 and to report progress yearly."),
        ("how_met", "Objectives and management reviews track certification, availability and the energy target."),
        ("owner", "Helen Marsh"), ("review_date", "2026-11-17"),
    ]),
    ("ip-regulator", "interested_party", &[
        ("name", "Data protection authority"),
        ("kind", "regulator"),
        ("requirements", "Personal data breaches reported within 72 hours; payroll data protected and kept only as long as needed."),
        ("how_met", "Security incident procedure with a breach assessment step; retention rules in the document register."),
        ("owner", "Priya Nair"), ("review_date", "2026-10-31"),
    ]),
    ("ip-staff", "interested_party", &[
        ("name", "Northwind staff"),
        ("kind", "staff"),
        ("requirements", "Clear roles, workable on-call rota, training to keep skills current."),
        ("how_met", "Roles register, competence records and the yearly training plan."),
        ("owner", "Helen Marsh"), ("review_date", "2027-04-30"),
    ]),

    // ---- 4.3 Scope ------------------------------------------------------------
    ("scope-sms", "scope", &[
        ("title", "SMS scope statement"),
        ("statement", "The service management system of Northwind IT Services covers the planning, delivery and improvement of hosted email, HR and payroll, customer portal hosting, managed backup, managed network and service desk services for external and internal customers."),
        ("services", "@svc-email @svc-payroll @svc-portal @svc-backup @svc-network @svc-desk"),
        ("locations", "Head office (Riverside House), primary data centre (Riverside), secondary data centre (Eastgate)"),
        ("exclusions", "Hardware resale and one-off consultancy projects: they are not ongoing services."),
        ("version", "2.1"), ("approved_by", "Helen Marsh"), ("approved_on", "2026-02-10"), ("review_date", "2027-02-10"),
    ]),
    ("scope-sms-v2", "scope", &[
        ("title", "SMS scope statement (superseded)"),
        ("statement", "Previous scope: hosted email, HR and payroll, managed backup, managed network and service desk."),
        ("services", "@svc-email @svc-payroll @svc-backup @svc-network @svc-desk"),
        ("locations", "Head office (Riverside House), primary data centre (Riverside)"),
        ("exclusions", "Customer portal hosting, then still in transition; the Eastgate site, then not yet in use."),
        ("version", "2.0"), ("approved_by", "Helen Marsh"), ("approved_on", "2025-11-25"),
    ]),

    // ---- 5.2 Policies ---------------------------------------------------------
    ("pol-sm", "policy", &[
        ("title", "Service management policy"),
        ("kind", "service_management"),
        ("statement", "We deliver services that meet agreed requirements, manage them through a documented SMS, and improve them using measurement, audits and customer feedback."),
        ("owner", "Lena Ortiz"), ("approved_by", "Helen Marsh"), ("approved_on", "2026-02-10"),
        ("communicated_on", "2026-02-24"), ("document", "@doc-sm-policy"), ("review_date", "2027-02-10"),
    ]),
    ("pol-infosec", "policy", &[
        ("title", "Information security policy"),
        ("kind", "information_security"),
        ("statement", "We protect customer and company information by assessing risks, applying proportionate controls, and handling security incidents quickly and openly."),
        ("owner", "Priya Nair"), ("approved_by", "Helen Marsh"), ("approved_on", "2025-11-20"),
        ("communicated_on", "2025-12-02"), ("document", "@doc-infosec-policy"), ("review_date", "2026-11-20"),
    ]),
    ("pol-change", "policy", &[
        ("title", "Change management policy"),
        ("kind", "change_management"),
        ("statement", "Every change to a live service or CI is recorded, risk-assessed and approved before it is made. Emergency changes may be approved by the on-call manager and are reviewed at the next CAB."),
        ("owner", "Lena Ortiz"), ("approved_by", "Helen Marsh"), ("approved_on", "2026-08-01"),
        ("communicated_on", "2026-08-06"), ("document", "@doc-change-procedure"), ("review_date", "2027-08-01"),
    ]),
    ("pol-energy", "policy", &[
        ("title", "Energy and climate policy"),
        ("kind", "other"),
        ("statement", "We measure the energy our services use, choose efficient equipment and suppliers, and plan for climate risks such as heat waves."),
        ("owner", "Tom Becker"), ("review_date", "2027-01-31"),
    ]),

    // ---- 5.3 Roles --------------------------------------------------------------
    ("role-md", "role", &[
        ("title", "Managing Director"),
        ("holder", "Helen Marsh"),
        ("responsibilities", "Leads the SMS, sets policy and objectives, chairs management reviews, provides resources."),
        ("authorities", "Approves policies, scope, budgets and risk acceptance above score 15."),
        ("reports_to", "Board"),
    ]),
    ("role-sms-manager", "role", &[
        ("title", "SMS Manager and Change Manager"),
        ("holder", "Lena Ortiz"),
        ("responsibilities", "Runs the SMS day to day: plan, documents, audits follow-up, change advisory board, reporting to management."),
        ("authorities", "Approves normal changes; can stop a change that lacks assessment."),
        ("reports_to", "Managing Director"),
    ]),
    ("role-ism", "role", &[
        ("title", "Information Security Manager"),
        ("holder", "Priya Nair"),
        ("responsibilities", "Security risk assessment, controls, security incidents and awareness."),
        ("authorities", "Can isolate systems or disable accounts during a security incident."),
        ("reports_to", "Managing Director"),
    ]),
    ("role-desk-manager", "role", &[
        ("title", "Service Desk Manager"),
        ("holder", "Sam Okafor"),
        ("responsibilities", "Incident and request handling, service desk staffing, knowledge articles, first-contact resolution."),
        ("authorities", "Declares major incidents; assigns and escalates tickets."),
        ("reports_to", "Service Delivery Manager"),
    ]),
    ("role-delivery-manager", "role", &[
        ("title", "Service Delivery Manager"),
        ("holder", "Daniel Reyes"),
        ("responsibilities", "Customer relationships, SLAs, service reports, complaints and supplier performance."),
        ("authorities", "Agrees SLA changes within the approved catalogue; offers service credits up to 5% of monthly fees."),
        ("reports_to", "Managing Director"),
    ]),
    ("role-auditor", "role", &[
        ("title", "Internal Auditor"),
        ("holder", "Grace Whitfield"),
        ("responsibilities", "Plans and carries out internal audits; reports findings; checks that corrective actions worked."),
        ("authorities", "Access to all SMS records; does not audit her own work."),
        ("reports_to", "Managing Director"),
    ]),

    // ---- 6.1 Risks and opportunities -----------------------------------------
    ("risk-power", "risk", &[
        ("title", "Single data centre power feed"),
        ("kind", "risk"),
        ("description", "The primary data centre has one utility feed; a prolonged outage exceeds UPS runtime and stops hosted services."),
        ("likelihood", "2"), ("impact", "5"), ("owner", "Priya Nair"), ("treatment", "reduce"),
        ("actions", "@act-second-feed"),
        ("status", "treating"), ("review_date", "2027-01-15"),
    ]),
    ("risk-backup-supplier", "risk", &[
        ("title", "Key supplier for backup storage in financial difficulty"),
        ("kind", "risk"),
        ("description", "The backup storage supplier announced restructuring; service continuity of backups depends on them."),
        ("likelihood", "3"), ("impact", "4"), ("owner", "Tom Becker"), ("treatment", "transfer"),
        ("actions", "@act-backup-exit"),
        ("status", "assessed"), ("review_date", "2026-12-20"),
    ]),
    ("risk-emergency-changes", "risk", &[
        ("title", "Change approvals bypassed for urgent fixes"),
        ("kind", "risk"),
        ("description", "Emergency changes are sometimes implemented before approval and not reviewed afterwards."),
        ("likelihood", "4"), ("impact", "3"), ("owner", "Lena Ortiz"), ("treatment", "reduce"),
        ("actions", "@act-ecab-review"),
        ("status", "treating"), ("review_date", "2027-02-28"),
    ]),
    ("risk-knowledge", "risk", &[
        ("title", "Service desk knowledge held by two people"),
        ("kind", "risk"),
        ("description", "Most resolution knowledge for the legacy payroll service is undocumented and held by two analysts."),
        ("likelihood", "3"), ("impact", "3"), ("owner", "Sam Okafor"), ("treatment", "reduce"),
        ("actions", "@act-payroll-kb"),
        ("status", "identified"),
    ]),
    ("risk-phishing", "risk", &[
        ("title", "Phishing leads to compromised admin account"),
        ("kind", "risk"),
        ("description", "Administrators receive targeted phishing; one compromised account gives access to customer systems."),
        ("likelihood", "4"), ("impact", "5"), ("owner", "Priya Nair"), ("treatment", "reduce"),
        ("actions", "@act-admin-mfa"),
        ("status", "monitoring"), ("review_date", "2027-03-31"),
    ]),
    ("opp-sla-reporting", "risk", &[
        ("title", "Opportunity: automate SLA reporting"),
        ("kind", "opportunity"),
        ("description", "Monthly SLA reports are assembled by hand; automating them frees two days a month and reduces errors."),
        ("likelihood", "4"), ("impact", "2"), ("owner", "Lena Ortiz"), ("treatment", "accept"),
        ("status", "assessed"), ("review_date", "2027-04-30"),
    ]),
    ("risk-heat", "risk", &[
        ("title", "Heat waves overload server room cooling"),
        ("kind", "risk"),
        ("description", "Climate-related: longer summer heat waves push the secondary server room above its cooling capacity."),
        ("likelihood", "2"), ("impact", "4"), ("owner", "Tom Becker"), ("treatment", "avoid"),
        ("status", "identified"), ("review_date", "2027-05-31"),
    ]),
    ("risk-licences", "risk", &[
        ("title", "Licence audit finds under-licensed database servers"),
        ("kind", "risk"),
        ("description", "Virtual machine growth outpaced database licences; a vendor audit could bring unplanned costs."),
        ("likelihood", "1"), ("impact", "3"), ("owner", "Sam Okafor"), ("treatment", "accept"),
        ("status", "closed"),
    ]),

    // ---- 6.2 Objectives ---------------------------------------------------------
    ("obj-availability", "objective", &[
        ("title", "Keep hosted services available"),
        ("function", "Infrastructure"),
        ("measure", "Monthly availability of email, payroll and portal"),
        ("data_source", "Monitoring system, minus agreed maintenance windows"),
        ("target", "Each service meets its agreed availability target every month"),
        ("current", "99.86% email, 99.7% payroll (October 2026)"),
        ("frequency", "monthly"), ("owner", "Tom Becker"),
        ("actions", "@act-second-feed"),
        ("resources", "Second power feed budget; on-call engineers"),
        ("due_date", "2026-12-31"), ("status", "at_risk"),
    ]),
    ("obj-first-contact", "objective", &[
        ("title", "Resolve more tickets at first contact"),
        ("function", "Service desk"),
        ("measure", "Share of incidents and requests resolved by the first analyst"),
        ("data_source", "Service desk tool, monthly report"),
        ("target", "70%"), ("current", "64% (October 2026)"),
        ("frequency", "monthly"), ("owner", "Sam Okafor"),
        ("actions", "@act-payroll-kb"),
        ("resources", "Time for analysts to write knowledge articles"),
        ("due_date", "2027-03-31"), ("status", "on_track"),
    ]),
    ("obj-change-success", "objective", &[
        ("title", "Fewer failed changes"),
        ("function", "Change management"),
        ("measure", "Changes that fail or are rolled back, per quarter"),
        ("data_source", "Change register"),
        ("target", "Under 5% per quarter"), ("current", "3.8% (Q3 2026)"),
        ("frequency", "quarterly"), ("owner", "Lena Ortiz"),
        ("actions", "@act-ecab-review"),
        ("due_date", "2026-12-31"), ("status", "achieved"),
    ]),
    ("obj-satisfaction", "objective", &[
        ("title", "Raise customer satisfaction"),
        ("function", "Service delivery"),
        ("measure", "Average score of the post-ticket survey (1–5)"),
        ("data_source", "Survey results in the service desk tool"),
        ("target", "4.5 or higher"), ("current", "4.3 (Q3 2026)"),
        ("frequency", "quarterly"), ("owner", "Daniel Reyes"),
        ("due_date", "2027-06-30"), ("status", "at_risk"),
    ]),
    ("obj-energy", "objective", &[
        ("title", "Cut data centre energy use"),
        ("function", "Facilities"),
        ("measure", "Power usage effectiveness (PUE) of the primary data centre"),
        ("data_source", "Metered IT load and total site load"),
        ("target", "1.50 or lower by June 2027"), ("current", "1.62 (Q3 2026)"),
        ("frequency", "quarterly"), ("owner", "Tom Becker"),
        ("resources", "Cooling upgrade in the 2027 budget"),
        ("due_date", "2027-06-30"), ("status", "not_started"),
    ]),

    // ---- 6.3 SMS plan -----------------------------------------------------------
    ("plan-certification", "plan_item", &[
        ("title", "Prepare for the ISO/IEC 20000-1 certification audit"),
        ("description", "Close open nonconformities, complete the audit programme, run a full management review, then book stage 1."),
        ("owner", "Lena Ortiz"),
        ("objectives", "@obj-change-success @obj-satisfaction"),
        ("start_date", "2026-01-12"), ("due_date", "2027-06-30"), ("status", "in_progress"),
    ]),
    ("plan-audit-programme", "plan_item", &[
        ("title", "Run the 2026 internal audit programme"),
        ("description", "Three audits covering every clause once a year."),
        ("owner", "Grace Whitfield"),
        ("start_date", "2026-01-15"), ("due_date", "2026-12-18"), ("status", "in_progress"),
    ]),
    ("plan-payroll-kb", "plan_item", &[
        ("title", "Build the payroll knowledge base"),
        ("description", "Document the 20 most frequent payroll fixes so any analyst can resolve them."),
        ("owner", "Sam Okafor"),
        ("objectives", "@obj-first-contact"),
        ("start_date", "2026-06-01"), ("due_date", "2026-11-15"), ("status", "in_progress"),
    ]),
    ("plan-sla-automation", "plan_item", &[
        ("title", "Automate monthly SLA reports"),
        ("description", "Feed monitoring and ticket data straight into the SLA results register and report template."),
        ("owner", "Lena Ortiz"),
        ("objectives", "@obj-availability @obj-satisfaction"),
        ("start_date", "2026-10-01"), ("due_date", "2027-02-28"), ("status", "in_progress"),
    ]),
    ("plan-cooling", "plan_item", &[
        ("title", "Replace cooling in the secondary server room"),
        ("description", "Efficient cooling units sized for 40 °C outside temperature."),
        ("owner", "Tom Becker"),
        ("objectives", "@obj-energy @obj-availability"),
        ("start_date", "2027-02-01"), ("due_date", "2027-05-31"), ("status", "planned"),
    ]),

    // ---- 7.1 Resources ----------------------------------------------------------
    ("res-desk-analysts", "resource", &[
        ("title", "Service desk analysts (14 FTE)"),
        ("kind", "people"),
        ("description", "Two shifts 07:00–19:00 on weekdays, on-call cover at other times."),
        ("owner", "Sam Okafor"), ("status", "available"),
    ]),
    ("res-payroll-analyst", "resource", &[
        ("title", "Additional payroll support analyst"),
        ("kind", "people"),
        ("description", "Needed to reduce dependence on two analysts for payroll fixes."),
        ("owner", "Sam Okafor"), ("status", "requested"),
    ]),
    ("res-eastgate", "resource", &[
        ("title", "Secondary data centre (Eastgate)"),
        ("kind", "facility"),
        ("description", "Standby site for payroll, email and backup copies; 12 racks."),
        ("owner", "Tom Becker"), ("status", "available"),
    ]),
    ("res-itsm-tool", "resource", &[
        ("title", "Service desk and CMDB tool"),
        ("kind", "technology"),
        ("description", "Ticketing, change records and configuration data for all services."),
        ("owner", "Lena Ortiz"), ("status", "available"),
    ]),
    ("res-certification-budget", "resource", &[
        ("title", "Certification and audit budget 2027"),
        ("kind", "financial"),
        ("description", "Certification body fees, auditor training and tool licences."),
        ("owner", "Helen Marsh"), ("status", "needed"),
    ]),

    // ---- 7.2 Competence ---------------------------------------------------------
    ("comp-lena", "competence", &[
        ("person", "Lena Ortiz"), ("role", "@role-sms-manager"),
        ("required", "Working knowledge of ISO/IEC 20000-1; change and process management."),
        ("evidence", "ISO/IEC 20000 practitioner certificate (2024); eight years running change management."),
        ("achieved_on", "2024-05-14"), ("next_due", "2027-05-14"),
    ]),
    ("comp-grace", "competence", &[
        ("person", "Grace Whitfield"), ("role", "@role-auditor"),
        ("required", "Internal auditor training for management systems; independence from audited areas."),
        ("evidence", "Internal auditor course (2025); observed audit in March 2026."),
        ("achieved_on", "2025-03-20"), ("next_due", "2026-09-30"),
    ]),
    ("comp-priya", "competence", &[
        ("person", "Priya Nair"), ("role", "@role-ism"),
        ("required", "Information security management; incident handling; data protection basics."),
        ("evidence", "Security management certification (2023); data protection refresher (2026)."),
        ("achieved_on", "2026-02-03"), ("next_due", "2027-02-03"),
    ]),
    ("comp-sam", "competence", &[
        ("person", "Sam Okafor"), ("role", "@role-desk-manager"),
        ("required", "Service desk management; incident and major incident handling."),
        ("evidence", "Service desk manager course (2022); major incident drill led in April 2026."),
        ("achieved_on", "2026-04-18"), ("next_due", "2027-04-18"),
    ]),
    ("comp-aaron", "competence", &[
        ("person", "Aaron Doyle"),
        ("required", "Second-line support for the payroll service."),
        ("evidence", "Shadowed payroll analysts for six weeks; signed off on 12 knowledge articles."),
        ("achieved_on", "2026-10-09"), ("next_due", "2027-10-09"),
    ]),

    // ---- 7.3, 7.4 Communication and awareness ---------------------------------
    ("comm-induction", "communication", &[
        ("title", "SMS awareness for new starters"),
        ("audience", "All new staff and contractors"),
        ("method", "training"), ("frequency", "as_needed"), ("responsible", "Lena Ortiz"),
        ("last_done", "2026-11-03"), ("next_due", "2026-12-01"),
    ]),
    ("comm-policy-briefing", "communication", &[
        ("title", "Service management policy and objectives briefing"),
        ("audience", "All staff"),
        ("method", "meeting"), ("frequency", "yearly"), ("responsible", "Helen Marsh"),
        ("last_done", "2026-02-24"), ("next_due", "2027-02-24"),
    ]),
    ("comm-service-reports", "communication", &[
        ("title", "Monthly service reports to customers"),
        ("audience", "Customer service contacts"),
        ("method", "report"), ("frequency", "monthly"), ("responsible", "Daniel Reyes"),
        ("last_done", "2026-11-07"), ("next_due", "2026-12-07"),
    ]),
    ("comm-phishing", "communication", &[
        ("title", "Phishing awareness campaign"),
        ("audience", "All staff; administrators get a separate session"),
        ("method", "email"), ("frequency", "quarterly"), ("responsible", "Priya Nair"),
        ("last_done", "2026-08-12"), ("next_due", "2026-11-12"),
    ]),
    ("comm-cab", "communication", &[
        ("title", "Change advisory board"),
        ("audience", "Service owners, change owners, service desk lead"),
        ("method", "meeting"), ("frequency", "weekly"), ("responsible", "Lena Ortiz"),
        ("last_done", "2026-11-19"), ("next_due", "2026-11-26"),
    ]),

    // ---- 7.5 Documents ----------------------------------------------------------
    ("doc-sm-policy", "document", &[
        ("title", "Service management policy"), ("reference", "NW-POL-001"), ("kind", "policy"),
        ("version", "3.0"), ("owner", "Lena Ortiz"), ("approved_by", "Helen Marsh"), ("approved_on", "2026-02-10"),
        ("review_date", "2027-02-10"), ("classification", "internal"),
        ("location", "Intranet › SMS › Policies"), ("retention", "Current plus three previous versions"),
        ("status", "approved"),
    ]),
    ("doc-infosec-policy", "document", &[
        ("title", "Information security policy"), ("reference", "NW-POL-002"), ("kind", "policy"),
        ("version", "2.1"), ("owner", "Priya Nair"), ("approved_by", "Helen Marsh"), ("approved_on", "2025-11-20"),
        ("review_date", "2026-11-20"), ("classification", "internal"),
        ("location", "Intranet › SMS › Policies"), ("retention", "Current plus three previous versions"),
        ("status", "approved"),
    ]),
    ("doc-change-procedure", "document", &[
        ("title", "Change management procedure"), ("reference", "NW-PRO-014"), ("kind", "procedure"),
        ("version", "4.2"), ("owner", "Lena Ortiz"), ("approved_by", "Helen Marsh"), ("approved_on", "2026-08-01"),
        ("review_date", "2027-08-01"), ("classification", "internal"),
        ("location", "Intranet › SMS › Procedures"), ("retention", "Five years after withdrawal"),
        ("status", "approved"),
    ]),
    ("doc-continuity-plan", "document", &[
        ("title", "Service continuity plan"), ("reference", "NW-PLN-005"), ("kind", "plan"),
        ("version", "2.0"), ("owner", "Tom Becker"), ("approved_by", "Helen Marsh"), ("approved_on", "2026-03-02"),
        ("review_date", "2027-03-02"), ("classification", "confidential"),
        ("location", "Intranet › SMS › Plans; printed copy in both data centres"), ("retention", "Five years after withdrawal"),
        ("status", "approved"),
    ]),
    ("doc-msa-harbourline", "document", &[
        ("title", "Master services agreement — Harbourline Logistics"), ("reference", "NW-AGR-031"), ("kind", "agreement"),
        ("version", "1.3"), ("owner", "Daniel Reyes"), ("approved_by", "Helen Marsh"), ("approved_on", "2025-12-15"),
        ("review_date", "2027-01-31"), ("classification", "confidential"),
        ("location", "Contracts share › Customers › Harbourline"), ("retention", "Seven years after contract end"),
        ("status", "approved"),
    ]),
    ("doc-sms-plan", "document", &[
        ("title", "SMS plan 2026–2027"), ("reference", "NW-PLN-001"), ("kind", "plan"),
        ("version", "0.9"), ("owner", "Lena Ortiz"),
        ("review_date", "2026-12-15"), ("classification", "internal"),
        ("location", "Intranet › SMS › Plans"), ("retention", "Five years"),
        ("status", "draft"),
    ]),

    // ---- 7.6 Knowledge ----------------------------------------------------------
    ("kb-payroll-timeout", "knowledge", &[
        ("title", "Payroll reports time out at month end"),
        ("content", "Symptom: reports stop after 60 seconds on the last three working days. Workaround: run large reports after 18:00 or split them by cost centre. Fixed by the database index in release Payroll 7.4; if it recurs, raise a P2 and link problem PRB-0412."),
        ("services", "@svc-payroll"), ("owner", "Kofi Mensah"), ("review_date", "2027-03-01"), ("status", "published"),
    ]),
    ("kb-restore-file", "knowledge", &[
        ("title", "Restoring a file or folder from backup"),
        ("content", "Check the requester is an authorised contact, find the latest good copy in the backup console, restore to an alternate path, ask the requester to confirm, then move it into place."),
        ("services", "@svc-backup"), ("owner", "Tom Becker"), ("review_date", "2026-10-01"), ("status", "published"),
    ]),
    ("kb-mx-certificate", "knowledge", &[
        ("title", "Renewing the mail gateway certificate by hand"),
        ("content", "Manual steps used before automatic renewal: request the certificate, import it on both nodes, restart the TLS listener one node at a time."),
        ("services", "@svc-email"), ("owner", "Owen Price"), ("status", "retired"),
    ]),
    ("kb-vpn-checks", "knowledge", &[
        ("title", "First checks for site VPN drops"),
        ("content", "Check the carrier status page, the tunnel uptime on FW01 and the site router logs; collect times of drops before calling the carrier."),
        ("services", "@svc-network"), ("owner", "Marek Nowak"), ("review_date", "2027-01-15"), ("status", "draft"),
    ]),

    // ---- 8.2.4 Service catalogue ------------------------------------------------
    ("svc-email", "service", &[
        ("name", "Hosted email and calendars"),
        ("description", "Mailboxes, shared calendars, spam and malware filtering, with mail kept for seven years."),
        ("owner", "Owen Price"),
        ("customers", "@cust-harbourline @cust-fenwick"),
        ("lifecycle", "live"), ("criticality", "high"),
        ("depends_on", "@svc-network @svc-backup"),
        ("cis", "@ci-mx01 @ci-fw01"),
        ("requirements", "99.9% availability; inbound mail delivered within 5 minutes; mailboxes up to 50 GB."),
    ]),
    ("svc-payroll", "service", &[
        ("name", "HR and payroll"),
        ("description", "Hosted payroll application with employee records, payslips and statutory reports, including run support."),
        ("owner", "Kofi Mensah"),
        ("customers", "@cust-meadowbrook @cust-northwind-hr"),
        ("lifecycle", "live"), ("criticality", "critical"),
        ("depends_on", "@svc-network @svc-backup"),
        ("cis", "@ci-payroll-app @ci-db01"),
        ("requirements", "Payroll runs complete by 18:00 on run day; data kept in-country; 99.5% availability in business hours."),
    ]),
    ("svc-portal", "service", &[
        ("name", "Customer portal hosting"),
        ("description", "Hosting and operation of customers' web portals, where their own clients view orders and invoices."),
        ("owner", "Ines Carvalho"),
        ("customers", "@cust-meadowbrook @cust-corvell"),
        ("lifecycle", "live"), ("criticality", "medium"),
        ("depends_on", "@svc-network"),
        ("cis", "@ci-portal-web @ci-db01 @ci-fw01"),
        ("requirements", "99.9% availability; pages load in under 2 seconds; yearly penetration test."),
    ]),
    ("svc-backup", "service", &[
        ("name", "Managed backup and recovery"),
        ("description", "Nightly backups of customer servers and mailboxes, with an off-site copy and restores on request."),
        ("owner", "Tom Becker"),
        ("customers", "@cust-fenwick @cust-corvell"),
        ("lifecycle", "live"), ("criticality", "high"),
        ("cis", "@ci-backup-vault"),
        ("requirements", "98% of nightly jobs succeed; restores start within 2 hours; copies kept 90 days."),
    ]),
    ("svc-network", "service", &[
        ("name", "Managed network and connectivity"),
        ("description", "Internet access, firewalls and site-to-site VPNs for customer offices and depots."),
        ("owner", "Marek Nowak"),
        ("customers", "@cust-harbourline @cust-corvell"),
        ("lifecycle", "live"), ("criticality", "high"),
        ("cis", "@ci-fw01"),
        ("requirements", "Site links restored within 4 hours; firewall changes within 2 working days."),
    ]),
    ("svc-desk", "service", &[
        ("name", "Service desk"),
        ("description", "Single point of contact by phone, email and portal for incidents and requests on all services."),
        ("owner", "Sam Okafor"),
        ("customers", "@cust-harbourline @cust-fenwick @cust-meadowbrook @cust-corvell @cust-northwind-hr"),
        ("lifecycle", "live"), ("criticality", "medium"),
        ("requirements", "Calls answered within 60 seconds; staffed 07:00–19:00 on weekdays with on-call cover."),
    ]),

    // ---- 8.2.5 Assets -----------------------------------------------------------
    ("asset-dc-riverside", "asset", &[
        ("name", "Primary data centre hall"), ("kind", "Facility"), ("owner", "Tom Becker"),
        ("location", "Riverside"), ("services", "@svc-email @svc-payroll @svc-portal @svc-backup"), ("status", "in_use"),
    ]),
    ("asset-ups", "asset", &[
        ("name", "UPS and standby generator"), ("kind", "Power"), ("owner", "Tom Becker"),
        ("location", "Riverside plant room"), ("services", "@svc-email @svc-payroll @svc-portal"), ("status", "in_use"),
    ]),
    ("asset-backup-array", "asset", &[
        ("name", "Backup disk array (first copy)"), ("kind", "Hardware"), ("owner", "Tom Becker"),
        ("location", "Eastgate, rack E04"), ("services", "@svc-backup"), ("status", "in_use"),
    ]),
    ("asset-payroll-licences", "asset", &[
        ("name", "Payroll software licences (3,000 employees)"), ("kind", "Software licence"), ("owner", "Kofi Mensah"),
        ("services", "@svc-payroll"), ("status", "in_use"),
    ]),
    ("asset-spare-laptops", "asset", &[
        ("name", "Spare engineer laptops (12)"), ("kind", "Hardware"), ("owner", "Sam Okafor"),
        ("location", "Riverside House store room"), ("status", "in_stock"),
    ]),
    ("asset-old-san", "asset", &[
        ("name", "Legacy storage array SAN-02"), ("kind", "Hardware"), ("owner", "Tom Becker"),
        ("location", "Awaiting certified disposal"), ("status", "retired"),
    ]),

    // ---- 8.2.6 Configuration items ---------------------------------------------
    ("ci-mx01", "config_item", &[
        ("name", "Mail gateway cluster MX01"), ("ci_id", "NW-CI-0101"), ("kind", "component"),
        ("version", "Gateway 10.2"), ("owner", "Owen Price"), ("status", "active"),
        ("services", "@svc-email"), ("depends_on", "@ci-fw01"), ("verified_on", "2026-11-04"),
    ]),
    ("ci-payroll-app", "config_item", &[
        ("name", "Payroll application servers"), ("ci_id", "NW-CI-0204"), ("kind", "software"),
        ("version", "7.4.0"), ("owner", "Kofi Mensah"), ("status", "active"),
        ("services", "@svc-payroll"), ("depends_on", "@ci-db01"), ("verified_on", "2026-10-11"),
    ]),
    ("ci-db01", "config_item", &[
        ("name", "Shared database cluster DB01"), ("ci_id", "NW-CI-0210"), ("kind", "component"),
        ("version", "15.6, 3 nodes"), ("owner", "Kofi Mensah"), ("status", "active"),
        ("services", "@svc-payroll @svc-portal"), ("verified_on", "2026-05-20"),
    ]),
    ("ci-portal-web", "config_item", &[
        ("name", "Portal web farm"), ("ci_id", "NW-CI-0305"), ("kind", "component"),
        ("version", "4 web nodes, image 2026.10"), ("owner", "Ines Carvalho"), ("status", "active"),
        ("services", "@svc-portal"), ("depends_on", "@ci-db01 @ci-fw01"), ("verified_on", "2026-10-28"),
    ]),
    ("ci-backup-vault", "config_item", &[
        ("name", "Off-site backup vault"), ("ci_id", "NW-CI-0402"), ("kind", "cloud"),
        ("version", "Object storage, 250 TB contract"), ("owner", "Tom Becker"), ("status", "active"),
        ("services", "@svc-backup"), ("verified_on", "2026-08-30"),
    ]),
    ("ci-fw01", "config_item", &[
        ("name", "Edge firewall pair FW01"), ("ci_id", "NW-CI-0501"), ("kind", "network"),
        ("version", "Firmware 9.1.4"), ("owner", "Marek Nowak"), ("status", "active"),
        ("services", "@svc-network @svc-email @svc-portal"), ("verified_on", "2026-10-02"),
    ]),

    // ---- 8.3.2 Customers and complaints -----------------------------------------
    ("cust-harbourline", "customer", &[
        ("name", "Harbourline Logistics Ltd"), ("kind", "external"),
        ("contact", "Mei Chen"), ("relationship_manager", "Daniel Reyes"),
        ("last_review", "2026-10-14"), ("satisfaction", "high"),
    ]),
    ("cust-fenwick", "customer", &[
        ("name", "Fenwick & Dray Solicitors LLP"), ("kind", "external"),
        ("contact", "Robert Ashdown"), ("relationship_manager", "Daniel Reyes"),
        ("last_review", "2026-05-06"), ("satisfaction", "medium"),
    ]),
    ("cust-meadowbrook", "customer", &[
        ("name", "Meadowbrook Care Trust"), ("kind", "external"),
        ("contact", "Sian Pritchard"), ("relationship_manager", "Nadia Haddad"),
        ("last_review", "2026-10-22"), ("satisfaction", "low"),
    ]),
    ("cust-corvell", "customer", &[
        ("name", "Corvell Engineering GmbH"), ("kind", "external"),
        ("contact", "Lukas Voigt"), ("relationship_manager", "Nadia Haddad"),
        ("last_review", "2026-08-19"), ("satisfaction", "high"),
    ]),
    ("cust-northwind-hr", "customer", &[
        ("name", "Northwind HR and Finance"), ("kind", "internal"),
        ("contact", "Ruth Adeyemi"), ("relationship_manager", "Daniel Reyes"),
        ("last_review", "2026-07-08"), ("satisfaction", "medium"),
    ]),
    ("cmp-payroll-late", "complaint", &[
        ("title", "Payroll run finished late and we were told too late"),
        ("customer", "@cust-meadowbrook"), ("service", "@svc-payroll"), ("received_on", "2026-09-26"),
        ("description", "The September payroll run finished at 21:40 instead of 18:00; the customer learned of the delay from their own staff."),
        ("owner", "Nadia Haddad"), ("status", "closed"),
        ("resolution", "Apology and service credit; root cause fixed by the database change; major incident notices now go to the customer within 30 minutes."),
        ("closed_on", "2026-10-20"),
    ]),
    ("cmp-email-outage", "complaint", &[
        ("title", "No status update during the email outage"),
        ("customer", "@cust-harbourline"), ("service", "@svc-email"), ("received_on", "2026-10-15"),
        ("description", "Depot managers could not receive orders by email and heard nothing from us until the outage was over."),
        ("owner", "Daniel Reyes"), ("status", "in_progress"),
        ("resolution", "Status page updates every 30 minutes during P1 incidents are being introduced."),
    ]),
    ("cmp-restore-slow", "complaint", &[
        ("title", "Folder restore too slow for a court deadline"),
        ("customer", "@cust-fenwick"), ("service", "@svc-backup"), ("received_on", "2026-10-29"),
        ("description", "A deleted case folder was needed for a court deadline; the restore took 1 h 45 min to complete."),
        ("owner", "Tom Becker"), ("status", "resolved"),
        ("resolution", "The restore started well within the 2-hour target; agreed an urgent-restore option for court deadlines."),
    ]),

    // ---- 8.3.3 Service level agreements and results -----------------------------
    ("sla-email-harbourline", "sla", &[
        ("title", "Hosted email — Harbourline Logistics"),
        ("service", "@svc-email"), ("customer", "@cust-harbourline"),
        ("targets", "Availability 99.9% per month. P1 incidents resolved within 4 hours, P2 within 8 business hours. Inbound mail delivered within 5 minutes."),
        ("workload_limits", "Up to 450 mailboxes of 50 GB each; 20,000 inbound messages an hour."),
        ("exceptions", "Planned maintenance on Sundays 02:00–06:00 with five days' notice; outages caused by the customer's own systems."),
        ("reporting", "monthly"), ("owner", "Daniel Reyes"), ("review_date", "2027-01-31"), ("status", "agreed"),
    ]),
    ("sla-payroll-meadowbrook", "sla", &[
        ("title", "HR and payroll — Meadowbrook Care Trust"),
        ("service", "@svc-payroll"), ("customer", "@cust-meadowbrook"),
        ("targets", "Availability 99.5% in business hours. Payroll run complete by 18:00 on run day. P2 incidents resolved in 8 business hours on average."),
        ("workload_limits", "Up to 2,400 employees; two payroll runs a month; 30 payroll administrators."),
        ("exceptions", "Delays caused by late input data from the customer."),
        ("reporting", "monthly"), ("owner", "Nadia Haddad"), ("review_date", "2026-10-31"), ("status", "agreed"),
    ]),
    ("sla-backup-fenwick", "sla", &[
        ("title", "Backup and recovery — Fenwick & Dray"),
        ("service", "@svc-backup"), ("customer", "@cust-fenwick"),
        ("targets", "98% of nightly backup jobs succeed each month. Restores start within 2 hours of request."),
        ("workload_limits", "Up to 40 TB protected; 10 restore requests a month."),
        ("exceptions", "Servers switched off or unreachable at backup time."),
        ("reporting", "monthly"), ("owner", "Daniel Reyes"), ("review_date", "2027-03-31"), ("status", "agreed"),
    ]),
    ("sla-network-corvell", "sla", &[
        ("title", "Managed network — Corvell Engineering"),
        ("service", "@svc-network"), ("customer", "@cust-corvell"),
        ("targets", "Site links restored within 4 hours; firewall change requests done within 2 working days."),
        ("workload_limits", "Three sites; 25 firewall changes a month."),
        ("reporting", "quarterly"), ("owner", "Nadia Haddad"), ("review_date", "2026-12-31"), ("status", "draft"),
    ]),
    ("slr-email-2026-08", "sla_result", &[
        ("title", "Email availability — August 2026"), ("sla", "@sla-email-harbourline"), ("period_start", "2026-08-01"),
        ("metric", "Availability (%)"), ("direction", "at_least"), ("target", "99.9"), ("measured", "99.97"),
    ]),
    ("slr-email-2026-09", "sla_result", &[
        ("title", "Email availability — September 2026"), ("sla", "@sla-email-harbourline"), ("period_start", "2026-09-01"),
        ("metric", "Availability (%)"), ("direction", "at_least"), ("target", "99.9"), ("measured", "99.95"),
    ]),
    ("slr-email-2026-10", "sla_result", &[
        ("title", "Email availability — October 2026"), ("sla", "@sla-email-harbourline"), ("period_start", "2026-10-01"),
        ("metric", "Availability (%)"), ("direction", "at_least"), ("target", "99.9"), ("measured", "99.86"),
        ("notes", "Breached: inbound mail rejected for 62 minutes on 14 October (expired gateway certificate)."),
    ]),
    ("slr-payroll-2026-08", "sla_result", &[
        ("title", "Payroll P2 resolution — August 2026"), ("sla", "@sla-payroll-meadowbrook"), ("period_start", "2026-08-01"),
        ("metric", "Average P2 resolution (business hours)"), ("direction", "at_most"), ("target", "8"), ("measured", "5.4"),
    ]),
    ("slr-payroll-2026-09", "sla_result", &[
        ("title", "Payroll P2 resolution — September 2026"), ("sla", "@sla-payroll-meadowbrook"), ("period_start", "2026-09-01"),
        ("metric", "Average P2 resolution (business hours)"), ("direction", "at_most"), ("target", "8"), ("measured", "11.2"),
        ("notes", "Breached: month-end database slowdowns; see problem on the payroll database."),
    ]),
    ("slr-payroll-2026-10", "sla_result", &[
        ("title", "Payroll P2 resolution — October 2026"), ("sla", "@sla-payroll-meadowbrook"), ("period_start", "2026-10-01"),
        ("metric", "Average P2 resolution (business hours)"), ("direction", "at_most"), ("target", "8"), ("measured", "6.1"),
        ("notes", "Back within target after the database index change on 10 October."),
    ]),

    // ---- 8.3.4 Suppliers and disputes -------------------------------------------
    ("sup-vaultline", "supplier", &[
        ("name", "Vaultline Storage Ltd"), ("kind", "external"),
        ("supplies", "Off-site object storage for backup copies."),
        ("services", "@svc-backup"),
        ("contract", "NW-CON-2023-07"), ("contract_start", "2023-07-01"), ("contract_end", "2027-06-30"),
        ("owner", "Tom Becker"),
        ("targets", "99.95% storage availability; restore throughput of at least 500 MB/s."),
        ("last_review", "2026-07-22"), ("performance", "acceptable"),
    ]),
    ("sup-fibrelink", "supplier", &[
        ("name", "Fibrelink Carrier Services"), ("kind", "external"),
        ("supplies", "Internet transit for both data centres and circuits to customer sites."),
        ("services", "@svc-network @svc-email"),
        ("contract", "NW-CON-2024-02"), ("contract_start", "2024-02-01"), ("contract_end", "2027-01-31"),
        ("owner", "Marek Nowak"),
        ("targets", "Circuit faults fixed within 5 hours; 99.95% transit availability."),
        ("last_review", "2026-09-15"), ("performance", "poor"),
    ]),
    ("sup-ledgerwise", "supplier", &[
        ("name", "Ledgerwise Software"), ("kind", "external"),
        ("supplies", "Payroll software licences, updates and third-line support."),
        ("services", "@svc-payroll"),
        ("contract", "NW-CON-2022-11"), ("contract_start", "2022-11-01"), ("contract_end", "2027-10-31"),
        ("owner", "Kofi Mensah"),
        ("targets", "Critical defects answered within 2 hours; legislative updates 30 days before they apply."),
        ("last_review", "2026-10-05"), ("performance", "good"),
    ]),
    ("sup-facilities", "supplier", &[
        ("name", "Northwind Facilities team"), ("kind", "internal"),
        ("supplies", "Power, cooling and physical access at both data centres."),
        ("services", "@svc-email @svc-payroll @svc-portal @svc-backup"),
        ("contract", "Internal agreement NW-OLA-03"), ("contract_start", "2025-01-01"),
        ("owner", "Tom Becker"),
        ("targets", "Cooling faults attended within 30 minutes, day or night."),
        ("last_review", "2026-06-30"), ("performance", "good"),
    ]),
    ("sup-corvell-site", "supplier", &[
        ("name", "Corvell Engineering site IT team"), ("kind", "customer"),
        ("supplies", "Hands-on help at Corvell's plant: power-cycling and swapping network equipment we manage."),
        ("services", "@svc-network"),
        ("contract", "Schedule 4 of the Corvell services agreement"), ("contract_start", "2025-04-01"),
        ("owner", "Marek Nowak"),
        ("targets", "On site within 1 hour in plant working hours."),
        ("last_review", "2026-08-19"), ("performance", "acceptable"),
    ]),
    ("disp-fibrelink-invoice", "supplier_dispute", &[
        ("title", "Billed for circuits already cancelled"),
        ("supplier", "@sup-fibrelink"), ("raised_on", "2026-03-04"),
        ("description", "Three customer circuits cancelled in December 2025 were still invoiced for January to March."),
        ("owner", "Aisha Rahman"), ("status", "closed"),
        ("resolution", "Credit note of €4,180 received on 10 April 2026; billing contact changed."),
    ]),
    ("disp-vaultline-credits", "supplier_dispute", &[
        ("title", "Service credits for the August storage outage"),
        ("supplier", "@sup-vaultline"), ("raised_on", "2026-08-29"),
        ("description", "Vaultline was unavailable for 7 hours on 21 August; they dispute that the outage counts against their target."),
        ("owner", "Tom Becker"), ("status", "in_progress"),
    ]),

    // ---- 8.4 Budgets and capacity -------------------------------------------------
    ("bud-email-2026", "budget", &[
        ("title", "Hosted email — running costs"), ("service", "@svc-email"), ("period", "FY 2026"),
        ("budget", "184000"), ("actual", "151200"), ("owner", "Aisha Rahman"),
        ("notes", "Actuals to end of October."),
    ]),
    ("bud-payroll-2026", "budget", &[
        ("title", "HR and payroll — running costs"), ("service", "@svc-payroll"), ("period", "FY 2026"),
        ("budget", "142000"), ("actual", "149350"), ("owner", "Aisha Rahman"),
        ("notes", "Over budget: unplanned database tuning and supplier consultancy days in September and October."),
    ]),
    ("bud-backup-2026", "budget", &[
        ("title", "Managed backup — running costs"), ("service", "@svc-backup"), ("period", "FY 2026"),
        ("budget", "96000"), ("actual", "78400"), ("owner", "Aisha Rahman"),
        ("notes", "Actuals to end of October."),
    ]),
    ("bud-power-feed", "budget", &[
        ("title", "Second power feed for the primary data centre"), ("period", "FY 2026–2027"),
        ("budget", "65000"), ("actual", "21500"), ("owner", "Tom Becker"),
        ("notes", "Deposit paid to the grid operator; cabling work in Q1 2027."),
    ]),
    ("bud-sms-2027", "budget", &[
        ("title", "Certification and internal audit"), ("period", "FY 2027"),
        ("budget", "38000"), ("owner", "Lena Ortiz"),
        ("notes", "Stage 1 and 2 audit fees, auditor training, tool licences."),
    ]),
    ("cap-db01", "capacity", &[
        ("title", "Shared database CPU at month end"), ("service", "@svc-payroll"), ("resource", "DB01 CPU"),
        ("demand", "Payroll month-end load grows with Meadowbrook's headcount, about 8% a year."),
        ("capacity", "3 nodes, 48 cores"), ("utilisation", "86"), ("threshold", "75"),
        ("owner", "Kofi Mensah"), ("review_date", "2026-11-30"),
    ]),
    ("cap-mail-storage", "capacity", &[
        ("title", "Mailbox storage"), ("service", "@svc-email"), ("resource", "Mail storage pool"),
        ("demand", "Grows about 3% a month; Harbourline adds 60 mailboxes in Q1 2027."),
        ("capacity", "40 TB"), ("utilisation", "78"), ("threshold", "80"),
        ("owner", "Owen Price"), ("review_date", "2027-01-15"),
    ]),
    ("cap-backup-vault", "capacity", &[
        ("title", "Off-site backup vault"), ("service", "@svc-backup"), ("resource", "Vault storage"),
        ("demand", "Corvell's CAD archive adds 15 TB in 2027."),
        ("capacity", "250 TB contracted"), ("utilisation", "64"), ("threshold", "85"),
        ("owner", "Tom Becker"), ("review_date", "2027-02-28"),
    ]),
    ("cap-desk-january", "capacity", &[
        ("title", "Service desk staffing for the January peak"), ("service", "@svc-desk"), ("resource", "Analyst hours"),
        ("demand", "January tickets run about 35% above average (payroll year end, new starters)."),
        ("capacity", "14 FTE"), ("utilisation", "88"), ("threshold", "90"),
        ("owner", "Sam Okafor"), ("review_date", "2026-12-15"),
    ]),
    ("cap-internet", "capacity", &[
        ("title", "Internet transit bandwidth"), ("service", "@svc-network"), ("resource", "2 × 10 Gbit/s transit"),
        ("demand", "Peak traffic grows about 20% a year."),
        ("capacity", "20 Gbit/s"), ("utilisation", "58"), ("threshold", "70"),
        ("owner", "Marek Nowak"), ("review_date", "2026-10-01"),
    ]),

    // ---- 8.5.1 Changes --------------------------------------------------------------
    ("chg-mx-cert-emergency", "change", &[
        ("title", "Emergency: replace expired certificate on MX01"),
        ("description", "Install a new TLS certificate on both mail gateway nodes."),
        ("rationale", "Inbound mail was being rejected for all customers."),
        ("kind", "emergency"), ("services", "@svc-email"), ("cis", "@ci-mx01"), ("risk", "low"),
        ("requested_by", "Owen Price"), ("approver", "Lena Ortiz"), ("decision", "approved"), ("decided_on", "2026-10-14"),
        ("plan", "Import certificate on node B, test, then node A."),
        ("rollback", "None needed: the old certificate had already expired."),
        ("scheduled", "2026-10-14T08:50"), ("implemented", "2026-10-14T09:08"), ("outcome", "successful"),
        ("review", "Reviewed at CAB on 16 October: approval was given by phone and recorded within the hour."),
        ("incidents", "@inc-2026-031"),
    ]),
    ("chg-cert-automation", "change", &[
        ("title", "Automatic certificate renewal and expiry alerts"),
        ("description", "Renew gateway certificates automatically and alert 30 days before any certificate expires."),
        ("rationale", "Removes the root cause of the October email outage."),
        ("kind", "normal"), ("services", "@svc-email @svc-portal"), ("cis", "@ci-mx01 @ci-portal-web"), ("risk", "medium"),
        ("requested_by", "Owen Price"), ("approver", "Lena Ortiz"), ("decision", "approved"), ("decided_on", "2026-10-21"),
        ("plan", "Enable renewal agent on MX01, then on the portal farm; add expiry checks to monitoring."),
        ("rollback", "Disable the agent and reinstall the current certificates from the vault."),
        ("scheduled", "2026-11-03T21:00"), ("implemented", "2026-11-03T21:40"), ("outcome", "successful"),
        ("review", "Test renewal worked on both clusters; alerts seen in monitoring."),
        ("incidents", "@inc-2026-031"), ("release", "@rel-mx-2026-11"),
    ]),
    ("chg-db-index", "change", &[
        ("title", "Add timesheet index to the payroll database"),
        ("description", "Create a missing index on the timesheet table and raise the connection pool limit."),
        ("rationale", "Month-end reports and payroll runs slow down badly; three incidents in September."),
        ("kind", "normal"), ("services", "@svc-payroll @svc-portal"), ("cis", "@ci-db01 @ci-payroll-app"), ("risk", "medium"),
        ("requested_by", "Kofi Mensah"), ("approver", "Lena Ortiz"), ("decision", "approved"), ("decided_on", "2026-09-30"),
        ("plan", "Build the index online during the Saturday window; restart application pool."),
        ("rollback", "Drop the index and restore the previous pool settings."),
        ("scheduled", "2026-10-10T20:00"), ("implemented", "2026-10-10T20:45"), ("outcome", "successful"),
        ("review", "October month-end reports ran in under 20 seconds; no repeat incidents."),
        ("incidents", "@inc-2026-027 @inc-2026-028 @inc-2026-029"), ("release", "@rel-payroll-7-4"),
    ]),
    ("chg-payroll-7-4", "change", &[
        ("title", "Upgrade payroll application to 7.4"),
        ("description", "Vendor release with the 2027 tax tables and fixes for report timeouts."),
        ("rationale", "Tax tables must be live before the January payroll."),
        ("kind", "normal"), ("services", "@svc-payroll"), ("cis", "@ci-payroll-app"), ("risk", "medium"),
        ("requested_by", "Kofi Mensah"), ("approver", "Lena Ortiz"), ("decision", "approved"), ("decided_on", "2026-09-30"),
        ("plan", "Customer acceptance on test system, then upgrade in the Saturday window."),
        ("rollback", "Restore application servers from snapshots taken before the upgrade."),
        ("scheduled", "2026-10-10T21:00"), ("implemented", "2026-10-10T22:20"), ("outcome", "successful"),
        ("review", "Meadowbrook signed off the test payroll; live run on 24 October was on time."),
        ("release", "@rel-payroll-7-4"),
    ]),
    ("chg-fw-firmware", "change", &[
        ("title", "Upgrade edge firewall firmware"),
        ("description", "Move FW01 from 9.1.4 to 9.2.1, one node at a time."),
        ("rationale", "Fixes a VPN stability defect and a high-severity security flaw."),
        ("kind", "normal"), ("services", "@svc-network @svc-email @svc-portal"), ("cis", "@ci-fw01"), ("risk", "high"),
        ("requested_by", "Marek Nowak"), ("approver", "Lena Ortiz"), ("decision", "pending"),
        ("plan", "Upgrade passive node, fail over, upgrade the other node; customers notified five days ahead."),
        ("rollback", "Boot the previous firmware image kept on each node."),
        ("scheduled", "2026-12-06T22:00"),
        ("release", "@rel-fw-2026-12"),
    ]),

    // ---- 8.5.2 Service design and transition ---------------------------------
    ("sd-payroll-self-service", "service_design", &[
        ("title", "Employee self-service for payroll"),
        ("service", "@svc-payroll"), ("kind", "changed"),
        ("requirements", "Employees view payslips and update bank details themselves, with two-step sign-in."),
        ("design", "Self-service module of the payroll platform behind the portal web farm."),
        ("acceptance", "Meadowbrook pilot group of 50 staff completes all tasks; no high-severity findings in the penetration test."),
        ("transition", "Pilot in February, all Meadowbrook staff in March, other customers on request."),
        ("owner", "Kofi Mensah"), ("target_date", "2027-03-31"), ("status", "build"),
    ]),
    ("sd-endpoint-protection", "service_design", &[
        ("title", "New service: managed endpoint protection"),
        ("kind", "new"),
        ("requirements", "Protect customer laptops and servers, with alerts handled by our service desk."),
        ("owner", "Priya Nair"), ("target_date", "2027-06-30"), ("status", "planning"),
    ]),
    ("sd-fax-gateway", "service_design", &[
        ("title", "Remove the fax-to-email gateway"),
        ("service", "@svc-email"), ("kind", "removal"),
        ("requirements", "Last two users moved to an alternative; numbers ported or cancelled."),
        ("transition", "Customers told three months ahead; gateway switched off 31 August."),
        ("owner", "Owen Price"), ("target_date", "2026-08-31"), ("status", "done"),
    ]),

    // ---- 8.5.3 Releases -------------------------------------------------------------
    ("rel-payroll-7-4", "release", &[
        ("title", "Payroll 7.4 and database tuning"),
        ("changes", "@chg-payroll-7-4 @chg-db-index"),
        ("acceptance_tests", "Test payroll for Meadowbrook matched the previous run to the cent; month-end reports under 30 seconds."),
        ("deployed", "2026-10-10T22:30"), ("outcome", "deployed"), ("rollback_used", "false"), ("owner", "Kofi Mensah"),
    ]),
    ("rel-mx-2026-11", "release", &[
        ("title", "Certificate automation, November 2026"),
        ("changes", "@chg-cert-automation"),
        ("acceptance_tests", "Forced renewal on a test certificate; expiry alert raised in monitoring."),
        ("deployed", "2026-11-03T21:40"), ("outcome", "deployed"), ("rollback_used", "false"), ("owner", "Owen Price"),
    ]),
    ("rel-fw-2026-12", "release", &[
        ("title", "Firewall firmware 9.2.1"),
        ("changes", "@chg-fw-firmware"),
        ("acceptance_tests", "Lab pair upgraded; VPN soak test for 72 hours without drops."),
        ("deployed", "2026-12-06T22:00"), ("outcome", "planned"), ("owner", "Marek Nowak"),
    ]),

    // ---- 8.6 Incidents, requests and problems -----------------------------------
    ("inc-2026-027", "incident", &[
        ("title", "Payroll reports time out"), ("service", "@svc-payroll"),
        ("opened", "2026-09-08T09:40"), ("responded", "2026-09-08T09:52"), ("resolved", "2026-09-08T16:10"), ("closed", "2026-09-09T10:00"),
        ("impact", "medium"), ("urgency", "high"), ("assignee", "Aaron Doyle"), ("escalated", "true"), ("major", "false"),
        ("description", "Meadowbrook payroll administrators cannot run the month-end cost report."),
        ("resolution", "Restarted the reporting service and ran the report after hours."),
        ("problem", "@prob-payroll-db"), ("status", "closed"),
    ]),
    ("inc-2026-028", "incident", &[
        ("title", "September payroll run delayed"), ("service", "@svc-payroll"),
        ("opened", "2026-09-25T14:05"), ("responded", "2026-09-25T14:09"), ("resolved", "2026-09-25T21:40"), ("closed", "2026-09-26T09:30"),
        ("impact", "high"), ("urgency", "high"), ("assignee", "Kofi Mensah"), ("escalated", "true"), ("major", "true"),
        ("description", "The payroll run for 2,300 employees stalled at the tax calculation step."),
        ("resolution", "Killed blocking database sessions and re-ran the calculation; run completed at 21:40."),
        ("problem", "@prob-payroll-db"), ("status", "closed"),
    ]),
    ("inc-2026-029", "incident", &[
        ("title", "Portal pages slow to load"), ("service", "@svc-portal"),
        ("opened", "2026-09-30T08:15"), ("responded", "2026-09-30T08:40"), ("resolved", "2026-09-30T12:05"), ("closed", "2026-10-01T09:00"),
        ("impact", "medium"), ("urgency", "medium"), ("assignee", "Ines Carvalho"), ("escalated", "false"), ("major", "false"),
        ("description", "Corvell's client portal took 10–15 seconds per page during the payroll month-end load."),
        ("resolution", "Load eased after the payroll batch finished; linked to the shared database problem."),
        ("problem", "@prob-payroll-db"), ("status", "closed"),
    ]),
    ("inc-2026-031", "incident", &[
        ("title", "Inbound email rejected for all customers"), ("service", "@svc-email"),
        ("opened", "2026-10-14T08:12"), ("responded", "2026-10-14T08:16"), ("resolved", "2026-10-14T09:14"), ("closed", "2026-10-15T09:00"),
        ("impact", "high"), ("urgency", "high"), ("assignee", "Owen Price"), ("escalated", "true"), ("major", "true"),
        ("description", "Sending servers got TLS errors from MX01 and bounced mail to our customers."),
        ("resolution", "Expired certificate replaced by emergency change; queued mail delivered by 09:40."),
        ("problem", "@prob-mx-certificate"), ("status", "closed"),
    ]),
    ("inc-2026-033", "incident", &[
        ("title", "Nightly backup failed for Fenwick file server"), ("service", "@svc-backup"),
        ("opened", "2026-11-02T06:30"), ("responded", "2026-11-02T07:05"), ("resolved", "2026-11-02T10:20"), ("closed", "2026-11-03T08:45"),
        ("impact", "medium"), ("urgency", "medium"), ("assignee", "Tom Becker"), ("escalated", "false"), ("major", "false"),
        ("description", "Backup job ended with a snapshot error after the customer's server patching."),
        ("resolution", "Cleared a stale snapshot and ran the backup manually; succeeded at 10:20."),
        ("status", "closed"),
    ]),
    ("inc-2026-035", "incident", &[
        ("title", "VPN drops at Harbourline north depot"), ("service", "@svc-network"),
        ("opened", "2026-11-12T07:55"), ("responded", "2026-11-12T08:30"),
        ("impact", "medium"), ("urgency", "low"), ("assignee", "Marek Nowak"), ("escalated", "true"), ("major", "false"),
        ("description", "The depot VPN tunnel drops for one to two minutes several times a day."),
        ("problem", "@prob-vpn-drops"), ("status", "in_progress"),
    ]),
    ("inc-2026-036", "incident", &[
        ("title", "Shared mailbox missing for two users"), ("service", "@svc-email"),
        ("opened", "2026-11-20T13:10"), ("responded", "2026-11-20T13:25"), ("resolved", "2026-11-20T14:00"),
        ("impact", "low"), ("urgency", "medium"), ("assignee", "Aaron Doyle"), ("escalated", "false"), ("major", "false"),
        ("description", "Two Harbourline users lost access to the orders mailbox after a group change."),
        ("resolution", "Re-added the users to the mailbox group; waiting for the customer to confirm."),
        ("status", "resolved"),
    ]),
    ("inc-2026-037", "incident", &[
        ("title", "Service desk phone line unreachable"), ("service", "@svc-desk"),
        ("opened", "2026-11-24T08:05"), ("responded", "2026-11-24T08:07"),
        ("impact", "high"), ("urgency", "medium"), ("assignee", "Sam Okafor"), ("escalated", "true"), ("major", "false"),
        ("description", "Callers hear a busy tone; email and portal tickets still work. Carrier investigating."),
        ("status", "open"),
    ]),
    ("req-harbourline-mailboxes", "service_request", &[
        ("title", "Create 25 mailboxes for the new Harbourline depot"), ("service", "@svc-email"),
        ("requested_by", "Mei Chen"), ("opened", "2026-11-04T10:15"), ("fulfilled", "2026-11-05T16:30"),
        ("assignee", "Aaron Doyle"), ("status", "fulfilled"),
        ("notes", "Created from the customer's spreadsheet; welcome letters sent."),
    ]),
    ("req-fenwick-restore", "service_request", &[
        ("title", "Restore deleted case folder"), ("service", "@svc-backup"),
        ("requested_by", "Robert Ashdown"), ("opened", "2026-10-28T15:20"), ("fulfilled", "2026-10-28T17:05"),
        ("assignee", "Tom Becker"), ("status", "closed"),
        ("notes", "Restored from the 27 October copy; see the complaint about restore time."),
    ]),
    ("req-payroll-admin", "service_request", &[
        ("title", "New payroll administrator account"), ("service", "@svc-payroll"),
        ("requested_by", "Sian Pritchard"), ("opened", "2026-11-23T09:00"),
        ("assignee", "Aaron Doyle"), ("status", "open"),
        ("notes", "Waiting for the signed access form from the customer."),
    ]),
    ("req-corvell-firewall", "service_request", &[
        ("title", "Open firewall port for CAD licence server"), ("service", "@svc-network"),
        ("requested_by", "Lukas Voigt"), ("opened", "2026-11-19T11:40"),
        ("assignee", "Marek Nowak"), ("status", "in_progress"),
        ("notes", "Standard change; scheduled for the Thursday window."),
    ]),
    ("req-portal-export", "service_request", &[
        ("title", "Custom invoice export on the portal"), ("service", "@svc-portal"),
        ("requested_by", "Lukas Voigt"), ("opened", "2026-10-06T14:00"),
        ("assignee", "Ines Carvalho"), ("status", "rejected"),
        ("notes", "Not a standard request: portal features are the customer's own code. Referred to their developers."),
    ]),
    ("prob-payroll-db", "problem", &[
        ("title", "Payroll database slows under month-end load"),
        ("description", "Reports, payroll runs and the portal slow down on the last working days of each month."),
        ("services", "@svc-payroll @svc-portal"), ("opened", "2026-09-09"),
        ("root_cause", "A missing index on the timesheet table forces full scans; the shared cluster then runs out of connections."),
        ("workaround", "Run large reports after 18:00; restart the reporting service if it hangs."),
        ("known_error", "true"), ("change", "@chg-db-index"), ("owner", "Kofi Mensah"), ("status", "resolved"),
    ]),
    ("prob-mx-certificate", "problem", &[
        ("title", "Gateway certificates expire without warning"),
        ("description", "Certificates on MX01 were renewed by hand from a calendar reminder that was missed."),
        ("services", "@svc-email"), ("opened", "2026-10-14"),
        ("root_cause", "Manual renewal with no expiry monitoring; the reminder belonged to a leaver."),
        ("workaround", "Manual renewal as in the retired knowledge article."),
        ("known_error", "true"), ("change", "@chg-cert-automation"), ("owner", "Owen Price"), ("status", "closed"),
    ]),
    ("prob-vpn-drops", "problem", &[
        ("title", "Intermittent VPN drops at customer depots"),
        ("description", "Short tunnel drops at two Harbourline depots since October."),
        ("services", "@svc-network"), ("opened", "2026-11-14"),
        ("root_cause", "Suspected firewall firmware defect with the carrier's new routers; under test."),
        ("workaround", "Tunnels re-establish on their own; keep-alive interval shortened to 10 seconds."),
        ("known_error", "false"), ("change", "@chg-fw-firmware"), ("owner", "Marek Nowak"), ("status", "investigating"),
    ]),

    // ---- 8.7 Service assurance ------------------------------------------------------
    ("avail-email-2026-09", "availability", &[
        ("title", "Email — September 2026"), ("service", "@svc-email"), ("target", "99.9"),
        ("period_start", "2026-09-01"), ("measured", "99.95"),
    ]),
    ("avail-email-2026-10", "availability", &[
        ("title", "Email — October 2026"), ("service", "@svc-email"), ("target", "99.9"),
        ("period_start", "2026-10-01"), ("measured", "99.86"),
        ("notes", "Certificate incident on 14 October: 62 minutes of rejected inbound mail."),
    ]),
    ("avail-payroll-2026-09", "availability", &[
        ("title", "Payroll — September 2026"), ("service", "@svc-payroll"), ("target", "99.5"),
        ("period_start", "2026-09-01"), ("measured", "99.2"),
        ("notes", "Month-end slowdowns counted as unavailable when reports could not run."),
    ]),
    ("avail-payroll-2026-10", "availability", &[
        ("title", "Payroll — October 2026"), ("service", "@svc-payroll"), ("target", "99.5"),
        ("period_start", "2026-10-01"), ("measured", "99.7"),
    ]),
    ("avail-portal-2026-10", "availability", &[
        ("title", "Customer portals — October 2026"), ("service", "@svc-portal"), ("target", "99.9"),
        ("period_start", "2026-10-01"), ("measured", "99.94"),
    ]),
    ("cont-dc-plan", "continuity", &[
        ("title", "Loss of the primary data centre"), ("kind", "plan"),
        ("services", "@svc-email @svc-payroll @svc-portal @svc-backup"),
        ("scenario", "Riverside unavailable for more than 4 hours (power, cooling or access). Recover payroll in 1 hour, email in 4 hours at Eastgate."),
        ("document", "@doc-continuity-plan"), ("owner", "Tom Becker"), ("next_test", "2027-04-15"),
    ]),
    ("cont-dc-test-2026", "continuity", &[
        ("title", "Failover test: Riverside to Eastgate"), ("kind", "test"),
        ("services", "@svc-email @svc-payroll"),
        ("scenario", "Simulated loss of Riverside on a Saturday; payroll and email switched to Eastgate."),
        ("document", "@doc-continuity-plan"), ("test_date", "2026-04-18"), ("result", "issues"),
        ("issues", "Payroll database failover took 95 minutes against a 60-minute target; DNS change was a manual step."),
        ("owner", "Tom Becker"), ("next_test", "2027-04-15"),
    ]),
    ("cont-ransomware-test", "continuity", &[
        ("title", "Restore test: ransomware on a customer file server"), ("kind", "test"),
        ("services", "@svc-backup"),
        ("scenario", "Fenwick & Dray file server encrypted; restore the whole server from the off-site copy."),
        ("test_date", "2026-09-12"), ("result", "passed"),
        ("issues", "None; 2.1 TB restored in 3 h 10 min."),
        ("owner", "Tom Becker"), ("next_test", "2027-03-13"),
    ]),
    ("cont-desk-plan", "continuity", &[
        ("title", "Service desk without the office"), ("kind", "plan"),
        ("services", "@svc-desk"),
        ("scenario", "Riverside House closed or phones down; analysts work from home with softphones."),
        ("result", "not_tested"), ("owner", "Sam Okafor"), ("next_test", "2026-10-31"),
    ]),
    ("ctl-admin-mfa", "security_control", &[
        ("title", "Phishing-resistant sign-in for administrators"), ("reference", "SEC-05"),
        ("description", "Hardware security keys required for every administrator account on customer and internal systems."),
        ("risks", "@risk-phishing"), ("owner", "Priya Nair"), ("status", "implemented"),
        ("justification", "Stolen passwords alone no longer give admin access."),
        ("last_review", "2026-07-15"),
    ]),
    ("ctl-mail-filtering", "security_control", &[
        ("title", "Inbound email filtering and link checking"), ("reference", "SEC-07"),
        ("description", "All inbound mail scanned; links rewritten and checked when clicked."),
        ("risks", "@risk-phishing"), ("owner", "Owen Price"), ("status", "implemented"),
        ("last_review", "2026-05-20"),
    ]),
    ("ctl-immutable-backups", "security_control", &[
        ("title", "Immutable backup copies"), ("reference", "SEC-12"),
        ("description", "The off-site copy is locked for 30 days and cannot be deleted, even by administrators."),
        ("risks", "@risk-backup-supplier @risk-phishing"), ("owner", "Tom Becker"), ("status", "implemented"),
        ("last_review", "2026-09-12"),
    ]),
    ("ctl-access-review", "security_control", &[
        ("title", "Quarterly review of privileged accounts"), ("reference", "SEC-03"),
        ("description", "Service owners confirm every privileged account each quarter."),
        ("risks", "@risk-phishing"), ("owner", "Priya Nair"), ("status", "planned"),
        ("justification", "First review due in January 2027 once the account report exists."),
    ]),
    ("ctl-secure-development", "security_control", &[
        ("title", "Secure software development"), ("reference", "SEC-20"),
        ("owner", "Priya Nair"), ("status", "not_applicable"),
        ("justification", "We do not develop software; portal code is supplied and tested by customers."),
        ("last_review", "2026-03-11"),
    ]),
    ("sec-2026-004", "security_incident", &[
        ("title", "Staff member entered password on a phishing page"),
        ("opened", "2026-05-04T11:20"), ("closed", "2026-05-06T17:00"),
        ("severity", "medium"), ("data_affected", "false"), ("services", "@svc-email"),
        ("description", "A service desk analyst followed a fake delivery notice link and entered their password."),
        ("actions", "Password reset within 20 minutes; sessions revoked; sign-in logs checked, no misuse found."),
        ("reported_to", "Information Security Manager; May management review"),
        ("owner", "Priya Nair"), ("status", "closed"),
    ]),
    ("sec-2026-007", "security_incident", &[
        ("title", "Payroll export sent to the wrong customer contact"),
        ("opened", "2026-09-17T15:45"), ("closed", "2026-10-02T12:00"),
        ("severity", "high"), ("data_affected", "true"), ("services", "@svc-payroll"),
        ("description", "A salary export for 40 Meadowbrook staff was emailed to a former contact at the customer."),
        ("actions", "Recipient confirmed deletion in writing; contact list cleaned; exports now go only through the portal."),
        ("reported_to", "Meadowbrook Care Trust data protection officer; data protection authority within 72 hours"),
        ("owner", "Priya Nair"), ("status", "closed"),
    ]),
    ("sec-2026-009", "security_incident", &[
        ("title", "Password-guessing attack on a customer portal"),
        ("opened", "2026-11-18T02:10"),
        ("severity", "medium"), ("data_affected", "false"), ("services", "@svc-portal"),
        ("description", "About 40,000 sign-in attempts from rotating addresses against Corvell's client portal."),
        ("actions", "Rate limiting and address blocking on FW01; customer advised to enforce two-step sign-in."),
        ("reported_to", "Corvell Engineering IT manager"),
        ("owner", "Priya Nair"), ("status", "contained"),
    ]),

    // ---- 9.1 Monitoring and measurement, 9.4 service reports --------------------
    ("meas-fcr-2026-09", "measurement", &[
        ("title", "First-contact resolution — September 2026"), ("metric", "First-contact resolution"),
        ("objective", "@obj-first-contact"), ("period", "2026-09-01"), ("target", "70%"), ("value", "61%"),
        ("method", "Service desk tool report"),
        ("analysis", "Payroll tickets dragged the rate down: only two analysts can fix most of them."),
        ("owner", "Sam Okafor"),
    ]),
    ("meas-fcr-2026-10", "measurement", &[
        ("title", "First-contact resolution — October 2026"), ("metric", "First-contact resolution"),
        ("objective", "@obj-first-contact"), ("period", "2026-10-01"), ("target", "70%"), ("value", "64%"),
        ("method", "Service desk tool report"),
        ("analysis", "Improving as payroll knowledge articles are published; 9 of 20 done."),
        ("owner", "Sam Okafor"),
    ]),
    ("meas-change-q3", "measurement", &[
        ("title", "Failed changes — Q3 2026"), ("metric", "Failed or rolled-back changes"),
        ("objective", "@obj-change-success"), ("period", "2026-07-01"), ("target", "Under 5%"), ("value", "3.8% (2 of 53)"),
        ("method", "Change register, outcome field"),
        ("owner", "Lena Ortiz"),
    ]),
    ("meas-csat-q3", "measurement", &[
        ("title", "Customer satisfaction — Q3 2026"), ("metric", "Post-ticket survey score"),
        ("objective", "@obj-satisfaction"), ("period", "2026-07-01"), ("target", "4.5"), ("value", "4.3 (412 responses)"),
        ("method", "Survey sent when a ticket is resolved"),
        ("analysis", "Meadowbrook scores fell after the payroll delay; others stable at 4.5–4.6."),
        ("owner", "Daniel Reyes"),
    ]),
    ("meas-pue-q3", "measurement", &[
        ("title", "Data centre PUE — Q3 2026"), ("metric", "Power usage effectiveness"),
        ("objective", "@obj-energy"), ("period", "2026-07-01"), ("target", "1.50 by June 2027"), ("value", "1.62"),
        ("method", "Site meter divided by IT load meter, quarterly average"),
        ("analysis", "Summer heat pushed cooling load up; cooling replacement in 2027 is the main lever."),
        ("owner", "Tom Becker"),
    ]),
    ("rep-email-2026-10", "service_report", &[
        ("title", "Hosted email — October 2026 — Harbourline Logistics"), ("service", "@svc-email"),
        ("period_start", "2026-10-01"), ("period_end", "2026-10-31"), ("audience", "Harbourline IT manager"),
        ("summary", "Availability 99.86% against 99.9%: target missed because of the 62-minute certificate incident on 14 October. Root cause removed by automatic renewal on 3 November. 212 tickets, 96% within target."),
        ("sent_on", "2026-11-06"), ("owner", "Daniel Reyes"),
    ]),
    ("rep-payroll-2026-09", "service_report", &[
        ("title", "HR and payroll — September 2026 — Meadowbrook"), ("service", "@svc-payroll"),
        ("period_start", "2026-09-01"), ("period_end", "2026-09-30"), ("audience", "Meadowbrook HR director and payroll lead"),
        ("summary", "Availability 99.2% and average P2 resolution 11.2 hours: both targets missed. Payroll run on 25 September late. Database fix planned for 10 October."),
        ("sent_on", "2026-10-07"), ("owner", "Nadia Haddad"),
    ]),
    ("rep-payroll-2026-10", "service_report", &[
        ("title", "HR and payroll — October 2026 — Meadowbrook"), ("service", "@svc-payroll"),
        ("period_start", "2026-10-01"), ("period_end", "2026-10-31"), ("audience", "Meadowbrook HR director and payroll lead"),
        ("summary", "All targets met. Version 7.4 live with 2027 tax tables; month-end reports back to normal speed."),
        ("sent_on", "2026-11-07"), ("owner", "Nadia Haddad"),
    ]),
    ("rep-management-q3", "service_report", &[
        ("title", "Service performance — Q3 2026 — management"),
        ("period_start", "2026-07-01"), ("period_end", "2026-09-30"), ("audience", "Management team"),
        ("summary", "Two SLA breaches (payroll), one major incident, one reportable data breach. Failed changes 3.8%. Satisfaction 4.3."),
        ("sent_on", "2026-10-12"), ("owner", "Lena Ortiz"),
    ]),

    // ---- 9.2 Internal audits and findings -------------------------------------------
    ("audit-2026-a", "audit", &[
        ("title", "2026-A: context, leadership and planning"),
        ("scope", "Clauses 4 to 7: context, interested parties, scope, policy, roles, risks, objectives, resources, documents."),
        ("criteria", "ISO/IEC 20000-1:2018 and the SMS plan"),
        ("planned", "2026-03-10"), ("conducted", "2026-03-11"),
        ("lead_auditor", "Grace Whitfield"), ("auditors", "External associate auditor (half day)"),
        ("auditees", "Helen Marsh, Lena Ortiz, Priya Nair"),
        ("status", "closed"),
        ("summary", "Good conformity overall; one observation about overdue document reviews."),
    ]),
    ("audit-2026-b", "audit", &[
        ("title", "2026-B: relationships, supply and change"),
        ("scope", "Clauses 8.2 to 8.6: catalogue, configuration, SLAs, suppliers, change, release, incidents and problems."),
        ("criteria", "ISO/IEC 20000-1:2018, change management procedure NW-PRO-014, SLAs"),
        ("planned", "2026-07-06"), ("conducted", "2026-07-07"),
        ("lead_auditor", "Grace Whitfield"), ("auditors", "Lena Ortiz (not for change management)"),
        ("auditees", "Sam Okafor, Tom Becker, Daniel Reyes, Kofi Mensah"),
        ("status", "reported"),
        ("summary", "Two minor nonconformities (emergency changes, supplier reviews), one opportunity on knowledge."),
    ]),
    ("audit-2026-c", "audit", &[
        ("title", "2026-C: service assurance and performance evaluation"),
        ("scope", "Clauses 8.7, 9 and 10: availability, continuity, security, measurement, reviews, improvement."),
        ("criteria", "ISO/IEC 20000-1:2018 and the service continuity plan"),
        ("planned", "2026-12-08"),
        ("lead_auditor", "Grace Whitfield"),
        ("auditees", "Tom Becker, Priya Nair, Lena Ortiz"),
        ("status", "planned"),
    ]),
    ("find-emergency-changes", "audit_finding", &[
        ("title", "Emergency changes not reviewed afterwards"),
        ("audit", "@audit-2026-b"), ("clause", "8.5.1.3"), ("kind", "minor"),
        ("description", "Three of five emergency changes sampled from Q2 had no review at the next CAB."),
        ("nonconformity", "@nc-emergency-changes"), ("owner", "Lena Ortiz"),
    ]),
    ("find-supplier-reviews", "audit_finding", &[
        ("title", "No performance review of the backup storage supplier"),
        ("audit", "@audit-2026-b"), ("clause", "8.3.4.1"), ("kind", "minor"),
        ("description", "Vaultline's last performance review was in August 2025, although the contract requires one each quarter."),
        ("nonconformity", "@nc-supplier-reviews"), ("owner", "Tom Becker"),
    ]),
    ("find-knowledge-links", "audit_finding", &[
        ("title", "Knowledge articles not linked from incidents"),
        ("audit", "@audit-2026-b"), ("clause", "7.6"), ("kind", "opportunity"),
        ("description", "Analysts search for articles by hand; linking articles to incident categories would speed up fixes."),
        ("owner", "Sam Okafor"),
    ]),
    ("find-incident-records", "audit_finding", &[
        ("title", "Incident records complete and prioritised"),
        ("audit", "@audit-2026-b"), ("clause", "8.6.1"), ("kind", "conformity"),
        ("description", "All 20 incidents sampled had impact, urgency, times and resolution recorded."),
        ("owner", "Sam Okafor"),
    ]),
    ("find-document-reviews", "audit_finding", &[
        ("title", "Some document reviews overdue"),
        ("audit", "@audit-2026-a"), ("clause", "7.5.3"), ("kind", "observation"),
        ("description", "Two procedures were past their review date by less than a month."),
        ("owner", "Lena Ortiz"),
    ]),

    // ---- 9.3 Management reviews -------------------------------------------------------
    ("mr-2026-05", "management_review", &[
        ("title", "Management review, May 2026"), ("date", "2026-05-19"),
        ("attendees", "Helen Marsh, Lena Ortiz, Priya Nair, Tom Becker, Daniel Reyes, Sam Okafor"),
        ("inputs", "Audit 2026-A results; risks; Q1 SLA results; customer feedback; phishing incident; continuity test issues."),
        ("decisions", "Fund a second power feed; build the payroll knowledge base; keep the certification target of mid-2027."),
        ("actions", "@act-second-feed @act-payroll-kb"),
        ("next_review", "2026-11-17"), ("status", "approved"),
    ]),
    ("mr-2026-11", "management_review", &[
        ("title", "Management review, November 2026"), ("date", "2026-11-17"),
        ("attendees", "Helen Marsh, Lena Ortiz, Priya Nair, Tom Becker, Daniel Reyes, Aisha Rahman"),
        ("inputs", "Audit 2026-B findings; payroll SLA breach and complaint; email major incident; data breach; supplier performance; energy objective."),
        ("decisions", "Start qualifying a second backup storage supplier; bring supplier reviews back to quarterly; approve the cooling replacement budget."),
        ("actions", "@act-backup-exit @act-supplier-reviews"),
        ("next_review", "2027-05-18"), ("status", "held"),
    ]),
    ("mr-2027-05", "management_review", &[
        ("title", "Management review, May 2027"), ("date", "2027-05-18"),
        ("attendees", "Top management team"),
        ("inputs", "Audit 2026-C results; readiness for certification; objectives status."),
        ("status", "planned"),
    ]),

    // ---- 10 Improvement -------------------------------------------------------------
    ("act-second-feed", "action", &[
        ("title", "Install a second utility power feed at Riverside"), ("kind", "treatment"),
        ("description", "Second feed from a separate substation, with automatic transfer switch."),
        ("owner", "Tom Becker"), ("due_date", "2027-03-31"), ("status", "in_progress"),
    ]),
    ("act-backup-exit", "action", &[
        ("title", "Qualify a second backup storage supplier"), ("kind", "treatment"),
        ("description", "Test an alternative provider and document an exit plan from Vaultline."),
        ("owner", "Tom Becker"), ("due_date", "2027-01-31"), ("status", "open"),
    ]),
    ("act-ecab-review", "action", &[
        ("title", "Review every emergency change at the next CAB"), ("kind", "corrective"),
        ("description", "Add emergency changes as a fixed CAB agenda item; the change record cannot be closed without a review."),
        ("owner", "Lena Ortiz"), ("due_date", "2026-09-30"), ("status", "done"), ("completed_on", "2026-09-24"),
        ("improvement", "@imp-change-dashboard"),
    ]),
    ("act-supplier-reviews", "action", &[
        ("title", "Hold quarterly reviews with key suppliers"), ("kind", "corrective"),
        ("description", "Put quarterly reviews with Vaultline, Fibrelink and Ledgerwise in the calendar, with a standard agenda."),
        ("owner", "Tom Becker"), ("due_date", "2026-10-31"), ("status", "in_progress"),
        ("improvement", "@imp-supplier-scorecard"),
    ]),
    ("act-payroll-kb", "action", &[
        ("title", "Write articles for the 20 most common payroll fixes"), ("kind", "review"),
        ("description", "Analysts other than the two payroll experts write and test each article."),
        ("owner", "Sam Okafor"), ("due_date", "2026-11-15"), ("status", "in_progress"),
        ("improvement", "@imp-knowledge-links"),
    ]),
    ("act-admin-mfa", "action", &[
        ("title", "Issue security keys to all administrators"), ("kind", "treatment"),
        ("description", "Enrol 38 administrators and switch off password-only sign-in for admin accounts."),
        ("owner", "Priya Nair"), ("due_date", "2026-06-30"), ("status", "done"), ("completed_on", "2026-06-26"),
    ]),
    ("nc-emergency-changes", "nonconformity", &[
        ("title", "Emergency changes not reviewed after implementation"),
        ("origin", "audit"), ("clause", "8.5.1.3"),
        ("description", "Three emergency changes in Q2 2026 had no review at the next CAB, as the change procedure requires."),
        ("severity", "minor"),
        ("correction", "The three changes were reviewed at the CAB on 14 July."),
        ("root_cause", "Emergency changes were not on the CAB agenda, and the tool let the record close without a review."),
        ("actions", "@act-ecab-review"),
        ("owner", "Lena Ortiz"), ("due_date", "2026-09-30"),
        ("effectiveness", "All six emergency changes in August to October were reviewed at the next CAB."),
        ("checked_on", "2026-10-28"), ("raised_on", "2026-07-08"), ("closed_on", "2026-10-28"),
        ("status", "closed"),
    ]),
    ("nc-supplier-reviews", "nonconformity", &[
        ("title", "Supplier performance reviews not held"),
        ("origin", "audit"), ("clause", "8.3.4.1"),
        ("description", "No performance review with the backup storage supplier for eleven months, against a quarterly requirement."),
        ("severity", "minor"),
        ("correction", "Review with Vaultline held on 22 July."),
        ("root_cause", "Reviews depended on one person's calendar and stopped when the supplier manager left."),
        ("actions", "@act-supplier-reviews"),
        ("owner", "Tom Becker"), ("due_date", "2026-10-31"), ("raised_on", "2026-07-08"),
        ("status", "planned"),
    ]),
    ("nc-incident-notice", "nonconformity", &[
        ("title", "Customer not told about a major incident in time"),
        ("origin", "complaint"), ("clause", "8.6.1"),
        ("description", "During the delayed payroll run on 25 September, Meadowbrook was not told for over four hours."),
        ("severity", "minor"),
        ("correction", "Apology and explanation sent on 26 September."),
        ("root_cause", "The major incident checklist had no step for notifying the customer."),
        ("owner", "Sam Okafor"), ("due_date", "2026-12-15"), ("raised_on", "2026-09-29"),
        ("status", "open"),
    ]),
    ("imp-change-dashboard", "improvement", &[
        ("title", "Emergency change dashboard for the CAB"),
        ("source", "nonconformity"),
        ("description", "A CAB view lists emergency changes waiting for review, with their age."),
        ("benefit", "No emergency change closes without review; less preparation before each CAB."),
        ("priority", "medium"), ("owner", "Lena Ortiz"), ("due_date", "2026-10-15"), ("status", "done"),
        ("evaluation", "In use since 1 October; zero unreviewed emergency changes since."),
    ]),
    ("imp-supplier-scorecard", "improvement", &[
        ("title", "Supplier scorecard for quarterly reviews"),
        ("source", "nonconformity"),
        ("description", "One-page scorecard per supplier with targets, results and open disputes."),
        ("benefit", "Consistent reviews that any manager can run."),
        ("priority", "medium"), ("owner", "Tom Becker"), ("due_date", "2027-01-31"), ("status", "approved"),
    ]),
    ("imp-knowledge-links", "improvement", &[
        ("title", "Suggest knowledge articles from incident categories"),
        ("source", "audit"),
        ("description", "The service desk tool suggests matching articles when an analyst picks a category."),
        ("benefit", "Higher first-contact resolution; less reliance on the two payroll experts."),
        ("priority", "high"), ("owner", "Sam Okafor"), ("due_date", "2027-02-28"), ("status", "in_progress"),
    ]),
    ("imp-sla-automation", "improvement", &[
        ("title", "Automated monthly SLA reports"),
        ("source", "staff"),
        ("description", "Monitoring and ticket data fill the SLA results and the report template automatically."),
        ("benefit", "Saves about two days a month and removes copying errors."),
        ("priority", "medium"), ("owner", "Lena Ortiz"), ("due_date", "2027-02-28"), ("status", "in_progress"),
    ]),
    ("imp-status-page", "improvement", &[
        ("title", "Public status page for major incidents"),
        ("source", "customer"),
        ("description", "Customers see current incidents and updates every 30 minutes without calling the desk."),
        ("benefit", "Fewer calls during outages; answers two complaints."),
        ("priority", "high"), ("owner", "Sam Okafor"), ("status", "proposed"),
    ]),
    ("imp-energy-dashboard", "improvement", &[
        ("title", "Energy use per service in yearly reviews"),
        ("source", "review"),
        ("description", "Allocate metered data centre energy to each service and show it in customer reviews."),
        ("benefit", "Meets customers' carbon reporting requests and tracks the energy objective."),
        ("priority", "medium"), ("owner", "Tom Becker"), ("due_date", "2027-06-30"), ("status", "approved"),
    ]),
];

/// Checklist items the demo provider has worked on: (clause, status,
/// owner, evidence as local record names, notes). The rest are not started.
#[rustfmt::skip]
pub const CHECKLIST: &[(&str, &str, &str, &str, &str)] = &[
    ("4.1", "implemented", "Priya Nair", "ctx-carbon-reporting ctx-heat ctx-legacy-payroll ctx-skills ctx-cyber-rules", "Reviewed at every management review; climate change **is** relevant (cooling, customer carbon reporting)."),
    ("4.2", "implemented", "Priya Nair", "ip-board ip-customers ip-regulator ip-staff", ""),
    ("4.3", "verified", "Priya Nair", "scope-sms-v2", "Scope v2 approved by the board; verified in audit 2026-A."),
    ("5.2.1", "implemented", "Lena Ortiz", "pol-sm doc-sm-policy", ""),
    ("5.2.2", "in_progress", "Lena Ortiz", "comm-policy-briefing", "Briefings done for the service desk; operations teams next."),
    ("5.3", "implemented", "Priya Nair", "role-sms-manager role-ism role-desk-manager role-delivery-manager", ""),
    ("6.1", "implemented", "Priya Nair", "risk-phishing risk-power risk-backup-supplier opp-sla-reporting", "Risk method:\n\n- 5 × 5 likelihood and impact\n- reviewed quarterly"),
    ("6.2.1", "implemented", "Lena Ortiz", "obj-availability obj-change-success obj-first-contact obj-satisfaction", ""),
    ("6.2.2", "in_progress", "Lena Ortiz", "plan-sla-automation", ""),
    ("6.3", "implemented", "Priya Nair", "doc-sms-plan plan-certification plan-audit-programme", ""),
    ("7.2", "in_progress", "Sam Okafor", "comp-priya comp-lena comp-sam", "Two records overdue for renewal."),
    ("7.5.3", "in_progress", "Lena Ortiz", "doc-change-procedure doc-infosec-policy", "Finding from audit 2026-B: some document reviews were late."),
    ("8.2.4", "implemented", "Tom Becker", "svc-email svc-payroll svc-portal svc-backup svc-desk svc-network", ""),
    ("8.2.6", "in_progress", "Tom Becker", "ci-mx01 ci-db01 ci-payroll-app", ""),
    ("8.3.3", "implemented", "Lena Ortiz", "sla-email-harbourline sla-payroll-meadowbrook slr-email-2026-10 slr-payroll-2026-10", ""),
    ("8.3.4.1", "in_progress", "Tom Becker", "sup-vaultline sup-fibrelink disp-fibrelink-invoice", "Supplier reviews were missed in Q2; see the nonconformity."),
    ("8.3.4.2", "not_applicable", "", "", ""),
    ("8.5.1.2", "implemented", "Lena Ortiz", "chg-payroll-7-4 chg-db-index", ""),
    ("8.5.1.3", "in_progress", "Lena Ortiz", "chg-mx-cert-emergency nc-emergency-changes", "Emergency changes are not always reviewed afterwards."),
    ("8.6.1", "verified", "Sam Okafor", "inc-2026-027 inc-2026-031", ""),
    ("8.6.3", "implemented", "Sam Okafor", "prob-mx-certificate prob-payroll-db", ""),
    ("8.7.2", "in_progress", "Tom Becker", "cont-dc-plan cont-dc-test-2026", ""),
    ("8.7.3.1", "implemented", "Priya Nair", "pol-infosec doc-infosec-policy", ""),
    ("9.2", "implemented", "Grace Whitfield", "audit-2026-a audit-2026-b find-emergency-changes", ""),
    ("9.3", "implemented", "Priya Nair", "mr-2026-05", ""),
    ("10.1", "in_progress", "Priya Nair", "nc-emergency-changes nc-supplier-reviews act-ecab-review", ""),
];

/// Justification the demo gives for its one not-applicable item.
const NOT_APPLICABLE: &str =
    "Northwind has no internal suppliers or customers acting as suppliers; all supply is external.";

/// Why a demo record is invalid (a defect in the data above).
fn invalid(name: &str, why: impl std::fmt::Display) -> WorkbookError {
    WorkbookError::Document(format!("demo record {name}: {why}"))
}

/// Builds the demo workbook. `next_id` supplies record ids (random in the
/// app, fixed in tests).
///
/// Records are added in two passes: first each record with its required
/// links (whose targets must come earlier in [`RECORDS`]), then every record
/// again with all its links, so optional links may point either way.
pub fn build(
    id: WorkbookId,
    actor: ActorBytes,
    ctx: &ChangeContext,
    mut next_id: impl FnMut() -> RecordId,
) -> Result<Workbook, WorkbookError> {
    let mut wb = Workbook::create(id, DEMO_NAME, actor, ctx)?;
    let ids: BTreeMap<&str, RecordId> = RECORDS.iter().map(|(n, _, _)| (*n, next_id())).collect();
    for all_links in [false, true] {
        for (name, register, fields) in RECORDS {
            let def =
                registers::register(register).ok_or_else(|| invalid(name, "unknown register"))?;
            let mut draft = RecordDraft::default();
            for (key, value) in *fields {
                let field = def
                    .field(key)
                    .ok_or_else(|| invalid(name, format!("no field {key}")))?;
                let value = if matches!(field.kind, Kind::Link { .. }) {
                    if !all_links && !field.required {
                        continue;
                    }
                    value
                        .split_whitespace()
                        .map(|n| {
                            let n = n.trim_start_matches('@');
                            ids.get(n)
                                .map(|id| id.as_str().to_owned())
                                .ok_or_else(|| invalid(name, format!("no demo record {n}")))
                        })
                        .collect::<Result<Vec<_>, _>>()?
                        .join(" ")
                } else {
                    (*value).to_owned()
                };
                draft.set(field.key, value);
            }
            let record = draft
                .validate(def)
                .map_err(|e| invalid(name, format!("{e:?}")))?;
            let stored = if all_links {
                wb.update_record(&ids[name], &record, ctx).map(|_| ())
            } else {
                wb.add_record(register, &ids[name], &record, ctx)
            };
            stored.map_err(|e| invalid(name, format!("{e:?}")))?;
        }
    }
    for (clause, status, owner, evidence, notes) in CHECKLIST {
        let state = crate::checklist::ItemState {
            status: crate::checklist::ItemStatus::from_key(status)
                .ok_or_else(|| invalid(clause, "unknown status"))?,
            owner: (*owner).into(),
            notes: (*notes).into(),
            justification: if *status == "not_applicable" {
                NOT_APPLICABLE.into()
            } else {
                String::new()
            },
            evidence: evidence
                .split_whitespace()
                .map(|n| {
                    ids.get(n)
                        .cloned()
                        .ok_or_else(|| invalid(clause, format!("no demo record {n}")))
                })
                .collect::<Result<_, _>>()?,
            conflicts: Vec::new(),
        };
        wb.set_checklist_item(clause, &state, ctx)
            .map_err(|e| invalid(clause, format!("{e:?}")))?;
    }
    // Building the demo is not the person's work to undo.
    wb.forget_undo();
    Ok(wb)
}
