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
//	aliases, err := policy.LoadAliasesCSV(f)          // or LoadAliasesProviderJSON, or nil
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
//
// # Semantics chosen
//
// Conditions follow the Azure Policy documentation: string comparisons
// ignore case except match and notMatch; a field condition on an alias with
// [*] holds when every member satisfies it (so it holds for an empty
// array); a missing array counts as a single missing value; missing and null
// are the same, and equal the empty string; less/greater compare numbers or
// strings and fail on other mixes. Expressions ("[...]") use the ARM
// template language with the functions listed by expr.Functions; field()
// inside an existenceCondition reads the evaluated resource, the "field"
// key reads the related one.
//
// Aliases resolve through an AliasTable. Without one, the documented default
// mapping applies (the alias's path after the resource type, under
// "properties."), with a few exceptions for the resource types aizone emits,
// and the path walk then also looks inside nested "properties" objects;
// every Result lists the aliases resolved that way in FallbackAliases.
//
// Compile errors are *Error values naming the file and the JSON path of the
// offending element. All output is deterministic: nothing depends on map
// order or on the clock (utcNow() uses Env.Now, a fixed date when unset).
package policy
