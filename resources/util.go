package resources

import (
	"encoding/json"
	"net/netip"
)

// toMap converts a typed value (a lifecycle policy) to the generic JSON
// shape templates hold.
func toMap(v any) map[string]any {
	data, err := json.Marshal(v)
	if err != nil {
		panic("resources: unmarshalable value: " + err.Error())
	}
	var m map[string]any
	if err := json.Unmarshal(data, &m); err != nil {
		panic("resources: " + err.Error())
	}
	return m
}

func cidrOverlap(a, b string) bool {
	pa, err1 := netip.ParsePrefix(a)
	pb, err2 := netip.ParsePrefix(b)
	return err1 == nil && err2 == nil && pa.Overlaps(pb)
}
