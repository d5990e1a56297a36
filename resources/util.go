package resources

import (
	"encoding/json"
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
