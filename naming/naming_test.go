package naming

import (
	"strings"
	"testing"
)

func TestFit(t *testing.T) {
	long := "nsg-" + strings.Repeat("a", 22) + "-southcentralus-" + strings.Repeat("w", 63)
	tests := []struct {
		name string
		max  int
	}{{"short", 80}, {long, MaxNSG}, {"vmss-" + strings.Repeat("x", 63), MaxScaleSet}, {strings.Repeat("y", 58) + "-", 40}}
	for _, tt := range tests {
		got := Fit(tt.name, tt.max)
		if len(got) > tt.max {
			t.Errorf("Fit(%q, %d) = %q, %d characters", tt.name, tt.max, got, len(got))
		}
		if len(tt.name) <= tt.max && got != tt.name {
			t.Errorf("Fit changed a name that fits: %q -> %q", tt.name, got)
		}
	}
	a, b := Fit(long+"1", MaxNSG), Fit(long+"2", MaxNSG)
	if a == b {
		t.Errorf("two long names fit to one: %s", a)
	}
	first, second := Fit(long, MaxNSG), Fit(long, MaxNSG)
	if first != second {
		t.Error("Fit is not deterministic")
	}
}

func TestAKSPoolCollisions(t *testing.T) {
	tests := []struct {
		names []string
		want  int
	}{
		{[]string{"chat-1", "chat1"}, 1},
		{[]string{"assistant-prod-a", "assistant-prod-b"}, 1},
		{[]string{"chat", "embed"}, 0},
		{[]string{"1a", "gpu1a"}, 1},
	}
	for _, tt := range tests {
		if got := Collisions(tt.names, AKSPool); len(got) != tt.want {
			t.Errorf("%v: %d collisions %+v, want %d", tt.names, len(got), got, tt.want)
		}
	}
	for _, w := range []string{"a", "chat-1", "1234567890123", "assistant-prod-a"} {
		p := AKSPool(w)
		if len(p) > MaxAKSPool || p[0] < 'a' || p[0] > 'z' {
			t.Errorf("AKSPool(%q) = %q", w, p)
		}
	}
}

func TestContainerProblem(t *testing.T) {
	for name, ok := range map[string]bool{"sft-corpus": true, "a--b": false, "ab": false, "-ab": false, "ab-": false, "Abc": false, strings.Repeat("a", 63): true, strings.Repeat("a", 64): false} {
		if got := ContainerProblem(name) == ""; got != ok {
			t.Errorf("ContainerProblem(%q) valid=%v, want %v", name, got, ok)
		}
	}
}

func FuzzNames(f *testing.F) {
	for _, s := range []string{"chat-1", "a--b", "system", strings.Repeat("w", 70), "", "-", "Ω"} {
		f.Add(s, 12)
	}
	f.Fuzz(func(t *testing.T, s string, max int) {
		if max < 8 || max > 200 {
			return
		}
		if got := Fit(s, max); len(got) > max && len(s) > max {
			t.Fatalf("Fit(%q, %d) = %q", s, max, got)
		}
		if p := AKSPool(s); len(p) == 0 || len(p) > MaxAKSPool {
			t.Fatalf("AKSPool(%q) = %q", s, p)
		}
		_ = ContainerProblem(s)
	})
}
