// Package policy is an offline Azure Policy engine: it parses policy
// definitions, policy set definitions (initiatives) and assignments as Azure
// exports them, compiles each rule once, and evaluates it against resources
// in ARM JSON (as deployed, as exported by Azure Resource Graph, or as
// written in a template).
//
// It exists so that a landing zone can be checked against the platform's
// policies before anything is deployed. A wrong "compliant" is worse than
// none, so anything the engine cannot decide is reported as such (State
// Failed, Skipped or Unknown, all with Compliant false or an explicit
// reason) rather than guessed.
//
// # Using it
//
//	def, err := policy.ParseDefinition(data)          // or LoadDefinition(path)
//	aliases, err := policy.LoadAliasesFile(path)      // CSV or az provider JSON, or nil
//	cp, err := policy.Compile(def, aliases)           // once per definition
//	b, err := cp.Bind(map[string]any{"effect": "Deny"}) // once per assignment
//	env := &policy.Env{Resources: policy.NewResources(all)}
//	for _, r := range all {
//		res := b.Evaluate(ctx, r, env)               // res.Effect, res.Compliant, res.Reasons
//	}
//
// policy.Evaluate(ctx, cp, params, resource, env) does Bind and Evaluate in
// one call. Sets: ParseSetDefinition, CompileSet(set, resolver), Bind,
// Evaluate (one Result per member). Assignments: ParseAssignment, then
// (*Bound).ForAssignment to apply its scope, notScopes and enforcement mode.
// CheckTree parses and compiles a directory tree of policy documents.
//
// # Semantics chosen
//
// Conditions follow the Azure Policy documentation: string comparisons
// ignore case except match and notMatch; location values are normalised
// ("East US 2" equals "eastus2"); a field condition on an alias with [*]
// holds when every member satisfies it (so it holds for an empty array); a
// missing array counts as a single missing value; missing and null are the
// same, equal the empty string and match no like or match pattern (not even
// "*"); less/greater compare numbers or strings and fail on other mixes.
// Expressions ("[...]") use the ARM template language with the functions
// listed by expr.Functions; reading a key an object lacks gives null.
// field() of a missing property is "" (of a [*] alias, an array; one
// member's value inside a count over that array); inside an
// existenceCondition it reads the evaluated resource, while the "field" key
// reads the related one. A child resource whose type has no location or
// tags of its own reads its parent's, found in Env.Resources. Mode Indexed
// decides by resource type (tagsupport.go); types Azure never evaluates
// (Microsoft.Resources but groups and subscriptions, ...) are not
// applicable. Parameter values match allowedValues ignoring case. Azure's
// documented limits on rules and on the values functions return apply
// (expr.MaxStringLength and the others): a rule over one fails to compile
// or to evaluate.
//
// Aliases resolve through an AliasTable. Without one, the documented default
// mapping applies (the alias's path after the resource type, under
// "properties."), with exceptions for the resource types aizone emits, and
// the path walk then also looks inside nested "properties" objects; every
// Result lists the aliases resolved that way in FallbackAliases.
//
// Compile errors are *Error values naming the file, line, column and JSON
// path of the offending element. All output is deterministic: nothing
// depends on map order or on the clock (utcNow() uses Env.Now, a fixed date
// when unset; requestContext().apiVersion is the resource's own or
// LatestAPIVersion).
package policy
