"""Pure business rules of the pilot: standard library only, no Flask, Redis or SQL.

groups       target groups and personal facts (illness, disability, schooling, labour …)
thresholds   policy thresholds as data (低保标准, ratios, level cut-offs, visit intervals …)
facts        ``MemberFacts`` / ``HouseholdFacts``, the inputs the database layer builds
catalogue    the service catalogue (附件3) as data, with ``DEFAULT_CATALOGUE``
eligibility  may this member receive this catalogue item, and if not, why and what instead
assessment   the 10 distress indicators (附件2), the distress level and suggested services
visits       visit intervals and due dates
staffing     village stations and assistants
workdays     working days (法定节假日, 调休) and working-hour clocks
matching     ranking providers for dispatch
"""
