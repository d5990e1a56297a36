package testkit

import (
	"testing"

	"github.com/aizone/aizone/emit/arm"
	"github.com/aizone/aizone/emit/equiv"
	"github.com/aizone/aizone/resources"
)

// Model plans a zone of Zones and builds its resource model and
// parameters, the input of every emitter.
func Model(tb testing.TB, z Zone) ([]resources.Resource, []resources.Parameter) {
	tb.Helper()
	p := PlanZone(tb, z)
	rs := resources.Build(p)
	return rs, resources.Parameters(p, rs)
}

// ARM writes the ARM template and parameters file of a model as emit/arm
// does.
func ARM(tb testing.TB, rs []resources.Resource, params []resources.Parameter) (template, parameters []byte) {
	tb.Helper()
	template, err := arm.Marshal(arm.Template(rs, params))
	if err != nil {
		tb.Fatal(err)
	}
	parameters, err = arm.Marshal(arm.Parameters(params))
	if err != nil {
		tb.Fatal(err)
	}
	return template, parameters
}

// ARMModel reads the ARM files of a model back into equiv's model: what
// the other emitters' round trips are compared with.
func ARMModel(tb testing.TB, rs []resources.Resource, params []resources.Parameter) *equiv.Model {
	tb.Helper()
	m, err := equiv.FromTemplate(ARM(tb, rs, params))
	if err != nil {
		tb.Fatal(err)
	}
	return m
}
