// Package redact removes credentials from text before aizone prints it:
// error messages (its own and those wrapped from the Azure SDK or
// net/http, which quote request URLs whole), and anything else a command
// writes that may hold a URL or a connection string.
//
// Three kinds of secret reach those messages:
//   - a SAS in a URL's query: its signature (sig) is the secret, but other
//     services put keys, tokens or codes in the query too, so in a URL
//     every query value is replaced except those of names known to carry
//     no secret (as the Azure SDK's logging policy does, with a longer
//     list so that an expiry or a permission stays readable);
//   - sig= (and the other secret names below) outside a URL: a bare
//     "?sv=...&sig=..." token, or a query written into a message;
//   - connection strings: the values of AccountKey, SharedAccessKey,
//     SharedAccessSignature and Password, up to the next ';'.
package redact

import (
	"net/url"
	"regexp"
	"strings"
)

// Mask replaces each secret value.
const Mask = "REDACTED"

// publicQuery are the query names whose values carry no secret: the
// Shared Access Signature fields other than the signature (permissions,
// times, versions, resource types, IP range, user delegation key ids) and
// the Blob service's own parameters. Compared lower-case.
var publicQuery = map[string]bool{
	// SAS fields
	"sv": true, "ss": true, "srt": true, "sp": true, "se": true, "st": true, "spr": true, "sip": true, "sr": true,
	"si": true, "sdd": true, "skoid": true, "sktid": true, "skt": true, "ske": true, "sks": true, "skv": true,
	"saoid": true, "suoid": true, "scid": true, "ses": true, "rscc": true, "rscd": true, "rsce": true, "rscl": true, "rsct": true,
	// Blob service parameters
	"comp": true, "restype": true, "prefix": true, "delimiter": true, "marker": true, "maxresults": true, "include": true,
	"timeout": true, "snapshot": true, "versionid": true, "blockid": true, "blocklisttype": true, "where": true, "api-version": true,
}

// secretKeys are names whose values are secrets wherever they appear as
// name=value: in a query, a connection string, or prose.
const secretKeys = `sig|signature|accountkey|sharedaccesskey|sharedaccesssignature|password|pwd|client_secret|clientsecret|` +
	`access_token|refresh_token|x-amz-signature|x-amz-credential|x-amz-security-token|x-goog-signature|x-goog-credential`

var (
	// A URL with a query, up to a character that cannot be in one or that
	// quotes it in a message; punctuation that ends a sentence or a
	// "URL: error" prefix is not part of it.
	urlRE = regexp.MustCompile(`(?i)\b[a-z][a-z0-9+.-]*://[^\s"'<>\x60?]*\?(?:[^\s"'<>\x60]*[^\s"'<>\x60:.,;)])?`)
	// name=value for a secret name, the name preceded by a separator (so
	// that "xsig=" is left alone) and the value ending where a query or a
	// connection-string field ends. The separators include their escaped
	// forms: & as \u0026 (JSON) or %26, ? as %3F, = as %3D (a URL inside
	// a query).
	keyRE = regexp.MustCompile(`(?i)(^|[?&;,\s"'(]|\\u0026|%26|%3f)(` + secretKeys + `)(=|%3d)((?:[^&;#\s"'<>]*[^&;#\s"'<>:.,)])?)`)
	// Connection-string values run to the next ';' (a SharedAccessSignature
	// value holds '&' and '=').
	connRE = regexp.MustCompile(`(?i)(^|[;\s"'])(accountkey|sharedaccesskey|sharedaccesssignature|password)=([^;\s"']*)`)
	// Authorization header values, should a message quote one.
	authRE = regexp.MustCompile(`(?i)(authorization[:=]\s*)((?:bearer|sharedkey|sharedkeylite|basic)\s+)?[^\s"',;]+`)
	// A password in a URL's user information (scheme://user:password@).
	userRE = regexp.MustCompile(`(?i)\b([a-z][a-z0-9+.-]*://[^/\s:@"']*):[^/\s@"']*@`)
)

// String returns s with every secret value replaced by Mask.
func String(s string) string {
	if s == "" {
		return s
	}
	s = urlRE.ReplaceAllStringFunc(s, redactURL)
	s = userRE.ReplaceAllString(s, "${1}:"+Mask+"@")
	s = connRE.ReplaceAllString(s, "${1}${2}="+Mask)
	s = keyRE.ReplaceAllString(s, "${1}${2}${3}"+Mask)
	s = authRE.ReplaceAllString(s, "${1}${2}"+Mask)
	return s
}

// redactURL masks the value of every query parameter not known to be
// public, keeping the names and their order so that the message still
// says what was asked. It works on the raw query text rather than
// url.Values, which would reorder and re-encode it.
func redactURL(u string) string {
	i := strings.IndexByte(u, '?')
	head, query := u[:i+1], u[i+1:]
	frag := ""
	if j := strings.IndexByte(query, '#'); j >= 0 {
		query, frag = query[:j], query[j:]
	}
	parts := strings.Split(query, "&")
	for k, p := range parts {
		name, _, hasValue := strings.Cut(p, "=")
		if !hasValue {
			continue
		}
		key := name
		if unescaped, err := url.QueryUnescape(name); err == nil {
			key = unescaped
		}
		if !publicQuery[strings.ToLower(key)] {
			parts[k] = name + "=" + Mask
		}
	}
	return head + strings.Join(parts, "&") + frag
}

// Error returns err with its message redacted; errors.Is and errors.As
// still see the original chain. nil stays nil.
func Error(err error) error {
	if err == nil {
		return nil
	}
	if r, ok := err.(*redacted); ok {
		return r
	}
	return &redacted{err: err}
}

type redacted struct{ err error }

func (e *redacted) Error() string { return String(e.err.Error()) }
func (e *redacted) Unwrap() error { return e.err }
