/// Every built-in tree rule, in execution order: dtc's checks in dtc's `check_table` order, then overlay and
/// HMP rules.
public let builtInRules: [any TreeRule.Type] = []
