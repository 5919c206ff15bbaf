"""Display names for codes shown in the UI (roles, levels, kinds, ledger actions), marked for translation."""

from citybase.messages import N_

ROLE_LABELS = {
    "admin": N_("Administrator"),
    "submitter": N_("Submitter"),
    "reviewer": N_("Reviewer"),
    "analyst": N_("Analyst"),
    "viewer": N_("Viewer"),
}

LEVEL_LABELS = {
    "country": N_("Country"),
    "province": N_("Province"),
    "city": N_("Prefecture"),
    "county": N_("County / district"),
    "township": N_("Township / street"),
}

KIND_LABELS = {
    "department": N_("Department"),
    "district": N_("District"),
}

CHANGE_LABELS = {
    "merged": N_("Merged"),
    "split": N_("Split off"),
    "renamed": N_("Renamed"),
    "recoded": N_("Recoded"),
    "established": N_("Established"),
    "abolished": N_("Abolished"),
}

TOKEN_STATE_LABELS = {
    "active": N_("Active"),
    "expired": N_("Expired"),
    "revoked": N_("Revoked"),
}

CHANNEL_LABELS = {
    "web": N_("Web"),
    "api": N_("API"),
    "cli": N_("Command line"),
    "system": N_("System"),
}

ACTION_LABELS = {
    "regions.edition_applied": N_("Division list applied"),
    "regions.history_loaded": N_("Division history loaded"),
    "site.setting_changed": N_("Instance setting changed"),
    "org.created": N_("Organisation created"),
    "org.activated": N_("Organisation activated"),
    "org.deactivated": N_("Organisation deactivated"),
    "user.created": N_("User created"),
    "user.enabled": N_("User enabled"),
    "user.disabled": N_("User disabled"),
    "user.roles_changed": N_("User roles changed"),
    "user.password_changed": N_("Password changed"),
    "user.unlocked": N_("User unlocked"),
    "user.locked": N_("Account locked"),
    "user.login_failed": N_("Login failed"),
    "user.logged_in": N_("Logged in"),
    "user.logged_out": N_("Logged out"),
    "token.created": N_("API token created"),
    "token.revoked": N_("API token revoked"),
    "code_mapping.set": N_("Code mapping set"),
    "code_mapping.removed": N_("Code mapping removed"),
    "code_mapping.imported": N_("Code mappings imported"),
    "conflict.resolved": N_("Conflict resolved"),
    "dashboard.created": N_("Dashboard created"),
    "dashboard.updated": N_("Dashboard changed"),
    "dashboard.shared": N_("Dashboard shared"),
    "dashboard.deleted": N_("Dashboard deleted"),
    "facts.published": N_("Values published"),
    "forecast.run": N_("Forecast run"),
    "indicator.created": N_("Indicator created"),
    "indicator.revised": N_("Indicator revised"),
    "indicators.imported": N_("Indicator system imported"),
    "rule.saved": N_("Audit rule saved"),
    "submission.audited": N_("Submission audited"),
    "submission.draft_saved": N_("Draft saved"),
    "submission.discarded": N_("Draft discarded"),
    "submission.approved": N_("Submission approved"),
    "submission.district_approved": N_("Approved by the district"),
    "submission.explained": N_("Explanation given"),
    "submission.returned": N_("Submission returned"),
    "target.set": N_("Target set"),
    "target.remove": N_("Target removed"),
    "task.created": N_("Collection task created"),
    "task.period_opened": N_("Task period opened"),
}

OBJECT_LABELS = {
    "user": N_("user"),
    "organisation": N_("organisation"),
    "api_token": N_("API token"),
    "region_list": N_("division list"),
    "site_setting": N_("instance setting"),
    "audit_rule": N_("audit rule"),
    "collection_task": N_("collection task"),
    "conflict": N_("conflict"),
    "dashboard": N_("dashboard"),
    "fact_batch": N_("batch of values"),
    "forecast_run": N_("forecast run"),
    "indicator": N_("indicator"),
    "indicator_system": N_("indicator system"),
    "indicator_target": N_("indicator target"),
    "submission": N_("submission"),
}

VALUE_KIND_LABELS = {
    "flow": N_("Flow (over a period)"),
    "stock": N_("Stock (at a point in time)"),
    "ratio": N_("Ratio"),
    "index": N_("Index"),
    "growth_rate": N_("Growth rate"),
}

FREQUENCY_LABELS = {
    "year": N_("Yearly"),
    "half": N_("Half-yearly"),
    "quarter": N_("Quarterly"),
    "month": N_("Monthly"),
}

AGGREGATION_LABELS = {
    "sum": N_("Sum"),
    "weighted_mean": N_("Weighted mean"),
    "last": N_("Last value of the period"),
    "none": N_("Not aggregated"),
}

INDICATOR_STATUS_LABELS = {
    "draft": N_("Draft"),
    "active": N_("In use"),
    "retired": N_("Retired"),
}

FACT_STATUS_LABELS = {
    "provisional": N_("Provisional"),
    "final": N_("Final"),
    "computed": N_("Computed"),
}

COMPUTED_LABELS = {
    "sum": N_("Sum of sub-regions"),
    "formula": N_("Computed by formula"),
    "from_cumulative": N_("Difference of year-to-date values"),
    "cumulative": N_("Sum of single periods"),
}

FACT_ROLE_LABELS = {
    "authoritative": N_("Authoritative"),
    "competing": N_("Competing"),
    "other_scope": N_("Other scope"),
}

CONFLICT_STATUS_LABELS = {
    "open": N_("Open"),
    "resolved": N_("Resolved"),
}

DECISION_LABELS = {
    "keep": N_("Keep the authoritative value"),
    "replace": N_("Replace it with the other value"),
    "other_scope": N_("Record as a different scope"),
}
