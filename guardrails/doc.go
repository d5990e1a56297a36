// Package guardrails holds aizone's AI guardrails: Azure Policy definitions
// and one initiative (policy set definition) written in the Azure Policy
// language and embedded in the binary.
//
// They are policy documents rather than Go checks so that the platform's own
// tooling enforces them once deployed (aizone build emits them, assigned at
// the zone's subscription), and so that aizone's offline engine (package
// policy) evaluates exactly the same rules against what a zone will deploy
// or against an exported estate. What is checked is what is enforced.
//
// # Using it
//
//	set, err := guardrails.Load()                   // parsed and checked once
//	params := guardrails.Parameters(guardrails.Inputs{Zone: z, Pools: pools})
//	cs, err := set.Compile(aliases)                 // nil: the default alias mapping
//	bs, err := cs.Bind(params)
//	results := bs.Evaluate(ctx, resource, env)      // one Result per member
//
// Set.At gives the definitions and the initiative with the ids they have once
// deployed at a scope (a subscription or a management group), for callers
// that resolve definitions by id.
//
// # The files
//
// definitions/*.json are policy definitions in the shape Azure exports them
// ({"name", "type", "properties"}); initiative/aizone-ai-guardrails.json is
// the initiative. Its members name the definitions at the placeholder
// subscription 00000000-0000-0000-0000-000000000000; Set.At and the ARM
// emitter rewrite them for the real scope. docs/guardrails.md describes each
// guardrail for the platform engineer. Every definition takes an effect
// parameter with a default, and has compliant and non-compliant cases in
// testdata/conformance.
package guardrails
