package network

// CheckEgressRules lets the example tests (package network_test, which
// may import plan) apply the invariants every egress rule must hold.
var CheckEgressRules = checkEgressRules
