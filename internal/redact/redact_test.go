package redact

import (
	"errors"
	"io/fs"
	"strings"
	"testing"
)

func TestString(t *testing.T) {
	tests := []struct {
		name, in, want string
	}{
		{"net/http error quoting the request",
			`listing http://127.0.0.1:1/acct/c?sv=2021-08-06&sr=c&sp=rl&sig=SECRET%2Babc%3D: Get "http://127.0.0.1:1/acct/c?comp=list&include=metadata%2Csnapshots&restype=container&sig=SECRET%2Babc%3D&sp=rl&sr=c&sv=2021-08-06": dial tcp 127.0.0.1:1: connect: connection refused`,
			`listing http://127.0.0.1:1/acct/c?sv=2021-08-06&sr=c&sp=rl&sig=REDACTED: Get "http://127.0.0.1:1/acct/c?comp=list&include=metadata%2Csnapshots&restype=container&sig=REDACTED&sp=rl&sr=c&sv=2021-08-06": dial tcp 127.0.0.1:1: connect: connection refused`},
		{"unknown query names are masked, known ones kept",
			`https://f.azurewebsites.net/api/x?code=FUNCKEY&api-version=2024-01-01&token=T0K`,
			`https://f.azurewebsites.net/api/x?code=REDACTED&api-version=2024-01-01&token=REDACTED`},
		{"a fragment stays", `https://a/c?sig=S#frag`, `https://a/c?sig=REDACTED#frag`},
		{"a bare SAS token", `container "c?sv=2021-08-06&se=2030-01-01&sig=SECRET": no such container`,
			`container "c?sv=2021-08-06&se=2030-01-01&sig=REDACTED": no such container`},
		{"upper case", `?SIG=SECRET&sv=1`, `?SIG=REDACTED&sv=1`},
		{"connection string account key", `DefaultEndpointsProtocol=https;AccountName=acct;AccountKey=Eby8vdM0+/xNO==;EndpointSuffix=core.windows.net`,
			`DefaultEndpointsProtocol=https;AccountName=acct;AccountKey=REDACTED;EndpointSuffix=core.windows.net`},
		{"connection string SAS", `BlobEndpoint=https://acct.blob.core.windows.net/;SharedAccessSignature=sv=2021-08-06&sp=rl&sig=SECRET`,
			`BlobEndpoint=https://acct.blob.core.windows.net/;SharedAccessSignature=REDACTED`},
		{"service bus key", `Endpoint=sb://ns.servicebus.windows.net/;SharedAccessKeyName=Root;SharedAccessKey=KEY=`,
			`Endpoint=sb://ns.servicebus.windows.net/;SharedAccessKeyName=Root;SharedAccessKey=REDACTED`},
		{"JSON-escaped ampersand", `"url":"https://a/c?sv=1\u0026sig=SECRET"`, `"url":"https://a/c?sv=1\u0026sig=REDACTED"`},
		{"URL inside a query", `https://proxy/?target=https%3A%2F%2Fa%2Fc%3Fsv%3D1%26sig%3DSECRET`, `https://proxy/?target=REDACTED`},
		{"percent-encoded outside a URL", `copy source a%2Fc%3Fsv%3D1%26sig%3DSECRET failed`, `copy source a%2Fc%3Fsv%3D1%26sig%3DREDACTED failed`},
		{"bearer token", `Authorization: Bearer eyJ0eXAi.payload.sig`, `Authorization: Bearer REDACTED`},
		{"shared key", `authorization=SharedKey acct:c2lnbmF0dXJl`, `authorization=SharedKey REDACTED`},
		{"password in a URL", `proxy http://user:hunter2@proxy:8080 refused`, `proxy http://user:REDACTED@proxy:8080 refused`},
		{"nothing secret", `inv.csv: row 4: column Content-Length: negative size -5 (design=x, xsig=1, signal)`,
			`inv.csv: row 4: column Content-Length: negative size -5 (design=x, xsig=1, signal)`},
		{"empty", ``, ``},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := String(tt.in)
			if got != tt.want {
				t.Errorf("String(%q)\n got %q\nwant %q", tt.in, got, tt.want)
			}
			if again := String(got); again != got {
				t.Errorf("not idempotent: %q then %q", got, again)
			}
			for _, secret := range []string{"SECRET", "FUNCKEY", "Eby8vdM0", "hunter2", "eyJ0eXAi", "c2lnbmF0dXJl", "KEY="} {
				if strings.Contains(got, secret) {
					t.Errorf("%q still holds %q", got, secret)
				}
			}
		})
	}
}

func TestError(t *testing.T) {
	if Error(nil) != nil {
		t.Error("Error(nil) is not nil")
	}
	base := &fs.PathError{Op: "open", Path: "https://a/c?sig=SECRET", Err: fs.ErrNotExist}
	err := Error(base)
	if strings.Contains(err.Error(), "SECRET") || !strings.Contains(err.Error(), "sig=REDACTED") {
		t.Errorf("Error() = %q", err)
	}
	var pe *fs.PathError
	if !errors.As(err, &pe) || !errors.Is(err, fs.ErrNotExist) {
		t.Error("the chain is lost")
	}
	if Error(err) != err {
		t.Error("redacting twice wraps twice")
	}
}

// FuzzString: a secret written after any separator, in any text, never
// survives, nothing panics, and redacting twice changes nothing more.
func FuzzString(f *testing.F) {
	f.Add("listing https://a.blob.core.windows.net/c?sv=2021&", "&", "sig=", "S3cretSig+/=", `": dial tcp`)
	f.Add("DefaultEndpointsProtocol=https;AccountName=a;", ";", "AccountKey=", "Eby8vdM02xNOcq==", ";EndpointSuffix=x")
	f.Add(`{"u":"https://a/c?sv=1`, `\u0026`, "sig=", "abcdef123456", `"}`)
	f.Add("x", "?", "SharedAccessSignature=", "sv=1&sig=zzzzzzzz", "")
	f.Add("Authorization:", " ", "Bearer ", "eyJhbGciOi", "")
	f.Fuzz(func(t *testing.T, before, sep, key, secret, after string) {
		out := String(before + sep + key + secret + after)
		if String(out) != out {
			t.Fatalf("not idempotent: %q", out)
		}
		// The property holds for the forms String promises to catch: a
		// known secret name after a separator, a secret without separators
		// of its own that the surrounding text does not also contain.
		if len(secret) < 8 || strings.ContainsAny(secret, "&; \t\r\n\"'<>`") || strings.Contains(before+after, secret) ||
			strings.Contains(key, secret) {
			return
		}
		if !strings.ContainsAny(after[:min(len(after), 1)], "&; \"") && after != "" {
			return // the secret runs on into the text after it
		}
		switch strings.ToLower(key) {
		case "sig=", "accountkey=", "sharedaccesskey=", "password=", "access_token=":
		default:
			return
		}
		switch sep {
		case "&", ";", " ", "?", `\u0026`, "%26":
		default:
			return
		}
		if strings.Contains(out, secret) {
			t.Fatalf("String(%q) = %q keeps the secret", before+sep+key+secret+after, out)
		}
	})
}
