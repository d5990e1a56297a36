package deploy

import (
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"regexp"
	"sort"
	"strconv"
	"strings"

	"github.com/Azure/azure-sdk-for-go/sdk/azcore"
	"github.com/Azure/azure-sdk-for-go/sdk/azcore/runtime"
	"github.com/Azure/azure-sdk-for-go/sdk/resourcemanager/resources/armresources"
)

// Stage is the request the service refused.
type Stage string

// Stages.
const (
	StageWhatIf     Stage = "what-if"
	StageValidation Stage = "validation"
	StageDeployment Stage = "deployment"
)

// Failure is Azure Resource Manager's refusal of a deployment, its
// validation or its what-if: the top error as ARM returned it, and the
// innermost errors under it (a failed operation's, or a detail of the top
// error), each with what to do.
type Failure struct {
	Stage      Stage
	Deployment string
	// Status is the HTTP status of the refusing response; 0 when the
	// refusal came in a successful response (a deployment that ended
	// Failed, a validation result with an error).
	Status  int
	Code    string
	Message string
	Causes  []Cause
}

// Cause is one innermost error.
type Cause struct {
	Code    string
	Message string
	Target  string
	// The failed operation's resource, when the error came from one.
	ResourceType  string
	ResourceName  string
	ResourceGroup string
	Deployment    string // the (nested) deployment that ran the operation
	// What the error says, parsed for the advice.
	Policy        []PolicyViolation
	Quota         *Quota
	Authorization *Authorization
	Throttled     bool
	// Advice says what to do.
	Advice string
}

// PolicyViolation is one policy that denied a request, from the error's
// additionalInfo of type PolicyViolation (or, from older responses, the
// message's "Policy identifiers").
type PolicyViolation struct {
	AssignmentID          string
	AssignmentName        string
	AssignmentDisplayName string
	AssignmentScope       string
	DefinitionID          string
	DefinitionName        string
	DefinitionDisplayName string
	SetDefinitionID       string
	SetDefinitionName     string
	SetDefinitionDisplay  string
	ReferenceID           string // the definition's reference id in the initiative
	Effect                string
}

// Quota is a compute quota a request would exceed, from the Compute
// provider's message. Numbers are -1 when the message does not give them.
type Quota struct {
	Name     string // the quota's name in az vm list-usage and az quota: standardNDSH100v5Family, cores, lowPriorityCores
	Region   string
	Limit    int
	Usage    int
	Required int
	NewLimit int
}

// Authorization is an action the deploying identity may not perform.
type Authorization struct {
	Action   string
	Scope    string
	ObjectID string
	Role     string // a built-in role that grants Action
	Linked   bool   // on a scope the request links to (a peering's remote VNet)
}

func (f *Failure) Error() string {
	var b strings.Builder
	what := map[Stage]string{StageWhatIf: "what-if of deployment %s was refused", StageValidation: "validation of deployment %s failed", StageDeployment: "deployment %s failed"}[f.Stage]
	fmt.Fprintf(&b, what, f.Deployment)
	status := f.Status
	if status < 400 {
		// A failed deployment's final poll answers 200: not worth saying.
		status = 0
	}
	switch {
	case status != 0 && f.Code != "":
		fmt.Fprintf(&b, " (%d %s)", status, f.Code)
	case f.Code != "":
		fmt.Fprintf(&b, " (%s)", f.Code)
	case status != 0:
		fmt.Fprintf(&b, " (HTTP %d)", status)
	}
	if f.Message != "" {
		b.WriteString(": " + oneLine(f.Message))
	}
	if len(f.Causes) == 0 {
		fmt.Fprintf(&b, "\n  what to do: see every operation and its error: az deployment operation sub list --name %s -o table", f.Deployment)
	}
	for _, c := range f.Causes {
		b.WriteString("\n  ")
		if c.ResourceType != "" || c.ResourceName != "" {
			where := strings.TrimSpace(c.ResourceType + " " + c.ResourceName)
			if c.ResourceGroup != "" {
				where += " in " + c.ResourceGroup
			}
			b.WriteString(where + ": ")
		} else if c.Target != "" {
			b.WriteString(c.Target + ": ")
		}
		b.WriteString(c.Code)
		if msg := c.shortMessage(); msg != "" {
			b.WriteString(": " + msg)
		}
		for _, p := range c.Policy {
			b.WriteString("\n    policy: " + p.String())
		}
		if c.Advice != "" {
			b.WriteString("\n    what to do: " + c.Advice)
		}
	}
	return b.String()
}

// shortMessage drops what the parsed details say better: a policy
// refusal's "Policy identifiers" JSON, the quota portal's long link.
func (c Cause) shortMessage() string {
	m := oneLine(c.Message)
	if len(c.Policy) > 0 {
		if i := strings.Index(m, " Policy identifiers"); i > 0 {
			m = m[:i]
		}
	}
	if c.Quota != nil {
		if i := strings.Index(m, " Submit a request for Quota increase"); i > 0 {
			m = m[:i]
		}
	}
	return m
}

func (p PolicyViolation) String() string {
	var parts []string
	name := func(display, n, id string) string {
		switch {
		case display != "" && id != "":
			return fmt.Sprintf("%q (%s)", display, id)
		case id != "":
			return id
		case display != "":
			return strconv.Quote(display)
		}
		return n
	}
	if a := name(p.AssignmentDisplayName, p.AssignmentName, p.AssignmentID); a != "" {
		s := "assignment " + a
		if p.AssignmentScope != "" {
			s += " at " + p.AssignmentScope
		}
		parts = append(parts, s)
	}
	if d := name(p.DefinitionDisplayName, p.DefinitionName, p.DefinitionID); d != "" {
		parts = append(parts, "definition "+d)
	}
	if s := name(p.SetDefinitionDisplay, p.SetDefinitionName, p.SetDefinitionID); s != "" {
		in := "in initiative " + s
		if p.ReferenceID != "" {
			in += " as " + p.ReferenceID
		}
		parts = append(parts, in)
	}
	if p.Effect != "" {
		parts = append(parts, "effect "+p.Effect)
	}
	return strings.Join(parts, "; ")
}

// refusal turns what the service answered into a *Failure: err from a
// call (an *azcore.ResponseError carries ARM's error body), or top, an
// error inside a successful response. An error that is not the service's
// answer (no credential, no network) is returned wrapped, as it is. For a
// deployment that started, w holds the operations last listed: the failed
// ones carry the most precise errors.
func (c *Client) refusal(stage Stage, d *Deployment, err error, top *armresources.ErrorResponse, w *watcher) error {
	f := &Failure{Stage: stage, Deployment: d.Name}
	if err != nil {
		var re *azcore.ResponseError
		if !errors.As(err, &re) {
			return fmt.Errorf("%s of deployment %s: %w", stage, d.Name, err)
		}
		f.Status = re.StatusCode
		top = bodyError(re.RawResponse)
		if top == nil {
			top = &armresources.ErrorResponse{Code: &re.ErrorCode}
		}
	}
	if top == nil {
		top = &armresources.ErrorResponse{}
	}
	f.Code, f.Message = deref(top.Code), deref(top.Message)
	if w != nil {
		f.Causes = w.failures()
	}
	if len(f.Causes) == 0 {
		f.Causes = topCauses(top, len(top.Details) > 0 || f.Status == http.StatusTooManyRequests)
	}
	if f.Status == http.StatusTooManyRequests && len(f.Causes) == 0 {
		f.Causes = append(f.Causes, Cause{Code: f.Code, Message: f.Message, Throttled: true})
	}
	c.finish(f, d)
	return f
}

// topCauses are the innermost errors under top. A bare top error is its
// own cause only when always is set or explain has advice for it: else
// the summary line already says all it says.
func topCauses(top *armresources.ErrorResponse, always bool) []Cause {
	if top == nil {
		return nil
	}
	var out []Cause
	for _, e := range leaves(top) {
		out = append(out, causeOf(e))
	}
	if len(out) == 1 && !always && !needsAdvice(out[0].Code, out[0].Message) {
		return nil
	}
	return out
}

// finish explains each cause and orders them.
func (c *Client) finish(f *Failure, d *Deployment) {
	for i := range f.Causes {
		c.explain(&f.Causes[i], d)
	}
	f.Causes = dedupe(f.Causes)
}

// bodyError reads ARM's error from a response body: {"error": {...}} (a
// refused request, a validation result), {"status": "Failed", "error":
// {...}} (an asynchronous operation's status), or a bare {"code": ...}.
func bodyError(resp *http.Response) *armresources.ErrorResponse {
	if resp == nil {
		return nil
	}
	data, err := runtime.Payload(resp)
	if err != nil || len(data) == 0 {
		return nil
	}
	return parseError(data)
}

func parseError(data []byte) *armresources.ErrorResponse {
	var body struct {
		Error *armresources.ErrorResponse `json:"error"`
	}
	if json.Unmarshal(data, &body) == nil && body.Error != nil {
		return body.Error
	}
	var bare armresources.ErrorResponse
	if json.Unmarshal(data, &bare) == nil && bare.Code != nil {
		return &bare
	}
	return nil
}

// leaves are the innermost errors of e. A message that is itself an ARM
// error body (nested deployments used to report their error that way) is
// opened.
func leaves(e *armresources.ErrorResponse) []*armresources.ErrorResponse {
	if e == nil {
		return nil
	}
	if m := strings.TrimSpace(deref(e.Message)); strings.HasPrefix(m, "{") {
		if inner := parseError([]byte(m)); inner != nil {
			return leaves(inner)
		}
	}
	var out []*armresources.ErrorResponse
	for _, d := range e.Details {
		out = append(out, leaves(d)...)
	}
	if len(out) == 0 {
		out = []*armresources.ErrorResponse{e}
	}
	return out
}

func causeOf(e *armresources.ErrorResponse) Cause {
	c := Cause{Code: deref(e.Code), Message: deref(e.Message), Target: deref(e.Target)}
	for _, ai := range e.AdditionalInfo {
		if ai == nil || !eqFold(deref(ai.Type), "PolicyViolation") {
			continue
		}
		if p, ok := policyFromInfo(ai.Info); ok {
			c.Policy = append(c.Policy, p)
		}
	}
	return c
}

// needsAdvice reports whether an error is one explain has advice for.
func needsAdvice(code, msg string) bool {
	switch strings.ToLower(code) {
	case "requestdisallowedbypolicy", "authorizationfailed", "linkedauthorizationfailed", "quotaexceeded", "operationnotallowed", "resourcequotaexceeded", "toomanyrequests", "throttled":
		return true
	}
	return strings.Contains(strings.ToLower(msg), "quota")
}

func policyFromInfo(info any) (PolicyViolation, bool) {
	m, ok := info.(map[string]any)
	if !ok {
		return PolicyViolation{}, false
	}
	s := func(k string) string { v, _ := m[k].(string); return v }
	p := PolicyViolation{
		AssignmentID: s("policyAssignmentId"), AssignmentName: s("policyAssignmentName"),
		AssignmentDisplayName: s("policyAssignmentDisplayName"), AssignmentScope: s("policyAssignmentScope"),
		DefinitionID: s("policyDefinitionId"), DefinitionName: s("policyDefinitionName"),
		DefinitionDisplayName: s("policyDefinitionDisplayName"),
		SetDefinitionID:       s("policySetDefinitionId"), SetDefinitionName: s("policySetDefinitionName"),
		SetDefinitionDisplay: s("policySetDefinitionDisplayName"), ReferenceID: s("policyDefinitionReferenceId"),
		Effect: s("policyDefinitionEffect"),
	}
	return p, p.AssignmentID != "" || p.DefinitionID != ""
}

// policyIdentifiersRE finds the JSON list ARM quotes in a policy refusal's
// message: Policy identifiers: '[{"policyAssignment":{...},...}]'.
var policyIdentifiersRE = regexp.MustCompile(`Policy identifiers?(?:\(s\))?: '(.*)'`)

// policiesFromMessage reads the policies a refusal's message names, for
// responses without additionalInfo.
func policiesFromMessage(msg string) []PolicyViolation {
	m := policyIdentifiersRE.FindStringSubmatch(msg)
	if m == nil {
		return nil
	}
	var ids []struct {
		Assignment    struct{ Name, ID string } `json:"policyAssignment"`
		Definition    struct{ Name, ID string } `json:"policyDefinition"`
		SetDefinition struct{ Name, ID string } `json:"policySetDefinition"`
	}
	if json.Unmarshal([]byte(m[1]), &ids) != nil {
		// The oldest form names one definition id and nothing else.
		if strings.HasPrefix(m[1], "/") {
			return []PolicyViolation{{DefinitionID: m[1]}}
		}
		return nil
	}
	var out []PolicyViolation
	for _, id := range ids {
		out = append(out, PolicyViolation{
			AssignmentID: id.Assignment.ID, AssignmentDisplayName: id.Assignment.Name,
			DefinitionID: id.Definition.ID, DefinitionDisplayName: id.Definition.Name,
			SetDefinitionID: id.SetDefinition.ID, SetDefinitionDisplay: id.SetDefinition.Name,
		})
	}
	return out
}

// Quota messages of the Compute provider:
//
//	Operation could not be completed as it results in exceeding approved
//	standardNDSH100v5Family Cores quota. Additional details - Deployment
//	Model: Resource Manager, Location: eastus, Current Limit: 0, Current
//	Usage: 0, Additional Required: 96, (Minimum) New Limit Required: 96.
//
// and the older "Operation results in exceeding quota limits of Core.
// Maximum allowed: 4, Current in use: 4, Additional requested: 2."
var (
	quotaNameRE     = regexp.MustCompile(`exceeding approved (.+?) quota`)
	quotaOldRE      = regexp.MustCompile(`quota limits of (\w+)`)
	quotaLocationRE = regexp.MustCompile(`Location: ([A-Za-z0-9]+)`)
	quotaNumberRE   = regexp.MustCompile(`(Current Limit|Current Usage|Additional Required|New Limit Required|Maximum allowed|Current in use|Additional requested): (\d+)`)
)

func parseQuota(msg, region string) *Quota {
	name := ""
	if m := quotaNameRE.FindStringSubmatch(msg); m != nil {
		name = strings.TrimSuffix(strings.TrimSuffix(m[1], " Cores"), " vCPUs")
	} else if m := quotaOldRE.FindStringSubmatch(msg); m != nil {
		name = m[1]
	} else {
		return nil
	}
	low := strings.ToLower(name)
	switch {
	case strings.Contains(low, "low priority") || strings.Contains(low, "lowpriority") || strings.Contains(low, "spot"):
		name = "lowPriorityCores"
	case low == "total regional" || low == "core" || low == "cores" || low == "total regional vcpus":
		name = "cores"
	}
	q := &Quota{Name: name, Region: region, Limit: -1, Usage: -1, Required: -1, NewLimit: -1}
	if m := quotaLocationRE.FindStringSubmatch(msg); m != nil {
		q.Region = strings.ToLower(m[1])
	}
	for _, m := range quotaNumberRE.FindAllStringSubmatch(msg, -1) {
		n, _ := strconv.Atoi(m[2])
		switch m[1] {
		case "Current Limit", "Maximum allowed":
			q.Limit = n
		case "Current Usage", "Current in use":
			q.Usage = n
		case "Additional Required", "Additional requested":
			q.Required = n
		case "New Limit Required":
			q.NewLimit = n
		}
	}
	if q.NewLimit < 0 && q.Usage >= 0 && q.Required >= 0 {
		q.NewLimit = q.Usage + q.Required
	}
	return q
}

// Authorization messages:
//
//	The client '...' with object id '...' does not have authorization to
//	perform action 'Microsoft.Authorization/roleAssignments/write' over
//	scope '/subscriptions/...' or the scope is invalid. If access was
//	recently granted, please refresh your credentials.
//
// and, for a request that links to another scope (LinkedAuthorizationFailed):
//
//	The client has permission to perform action '...' on scope '...',
//	however the current tenant '...' is not authorized to access linked
//	subscription '...'. / ... does not have permission to perform action(s)
//	'Microsoft.Network/virtualNetworks/peer/action' on the linked scope(s)
//	'/subscriptions/.../virtualNetworks/hub' ...
var (
	authActionRE = regexp.MustCompile(`perform action '([^']+)' over scope '([^']+)'`)
	authLinkedRE = regexp.MustCompile(`perform action(?:\(s\))? '([^']+)' on the linked scope(?:\(s\))? '([^']+)'`)
	authObjectRE = regexp.MustCompile(`object id '([^']+)'`)
)

func parseAuthorization(msg string) *Authorization {
	a := &Authorization{}
	if m := authLinkedRE.FindStringSubmatch(msg); m != nil {
		a.Action, a.Scope, a.Linked = m[1], m[2], true
	} else if m := authActionRE.FindStringSubmatch(msg); m != nil {
		a.Action, a.Scope = m[1], m[2]
	} else {
		return nil
	}
	if m := authObjectRE.FindStringSubmatch(msg); m != nil {
		a.ObjectID = m[1]
	}
	a.Role = roleFor(a.Action)
	return a
}

// roleFor is the least built-in role prerequisites.md asks for that grants
// action: Contributor grants everything but Microsoft.Authorization writes.
func roleFor(action string) string {
	a := strings.ToLower(action)
	switch {
	case strings.HasPrefix(a, "microsoft.authorization/roleassignments/"):
		return "Role Based Access Control Administrator"
	case strings.HasPrefix(a, "microsoft.authorization/policy"):
		return "Resource Policy Contributor"
	case strings.HasPrefix(a, "microsoft.network/virtualnetworks/peer/") || strings.Contains(a, "/virtualnetworkpeerings/"):
		return "Network Contributor"
	case strings.HasPrefix(a, "microsoft.network/privatednszones/"):
		return "Private DNS Zone Contributor"
	}
	return "Contributor"
}

// explain fills in what the error means and what to do.
func (c *Client) explain(cause *Cause, d *Deployment) {
	code := strings.ToLower(cause.Code)
	msg := cause.Message
	switch {
	case code == "requestdisallowedbypolicy":
		if len(cause.Policy) == 0 {
			cause.Policy = policiesFromMessage(msg)
		}
		cause.Advice = policyAdvice(cause.Policy)
	case code == "authorizationfailed" || code == "linkedauthorizationfailed":
		cause.Authorization = parseAuthorization(msg)
		cause.Advice = authorizationAdvice(cause.Authorization, c.Subscription)
	case cause.Throttled || code == "toomanyrequests" || code == "throttled" || code == "subscriptionrequeststhrottled":
		cause.Throttled = true
		cause.Advice = "Azure Resource Manager throttled the requests (429 Too Many Requests); the SDK's retry policy retried them, waiting as Retry-After asked, until its retries ran out. Wait a few minutes and run again; scripts and deployments in the same subscription share its request limits."
	case code == "quotaexceeded" || code == "operationnotallowed" || code == "resourcequotaexceeded" || strings.Contains(strings.ToLower(msg), "quota"):
		cause.Quota = parseQuota(msg, d.Location)
		cause.Advice = quotaAdvice(cause.Quota, c.Subscription, d.Location)
	case code == "invalidtemplate" || code == "invalidtemplatedeployment":
		cause.Advice = "ARM rejects the template aizone wrote, which aizone validate accepted: a bug in aizone; please report it with this message."
	default:
		cause.Advice = fmt.Sprintf("see every operation and its error: az deployment operation sub list --name %s -o table (and az deployment operation group list --resource-group RG --name NESTED for a nested deployment)", d.Name)
	}
}

func policyAdvice(ps []PolicyViolation) string {
	var show []string
	for _, p := range ps {
		name, scope := p.AssignmentName, p.AssignmentScope
		if n, sc := splitPolicyID(p.AssignmentID); n != "" {
			name, scope = firstOf(name, n), firstOf(scope, sc)
		}
		if name != "" && scope != "" {
			show = append(show, fmt.Sprintf("az policy assignment show --name %s --scope %s", name, scope))
		}
		if n, sc := splitPolicyID(p.DefinitionID); n != "" {
			cmd := "az policy definition show --name " + n
			if mg := managementGroupOf(sc); mg != "" {
				cmd += " --management-group " + mg
			} else if sub, _ := scopeOf(sc); sub != "" {
				cmd += " --subscription " + sub
			}
			show = append(show, cmd)
		}
	}
	s := "the platform's policy denies this resource as aizone spells it. "
	if len(show) > 0 {
		s += "Read the rule (" + strings.Join(show, "; ") + "), then "
	} else {
		s += "Find the assignment in the activity log, then "
	}
	return s + "plan under the platform's policy so that aizone chooses a design it allows (aizone plan ZONE --library DIR --builtins DIR, then aizone check) or change the zone file; if the resource must stay as it is, ask the platform team for an exemption (az policy exemption create)."
}

// splitPolicyID splits a policy definition or assignment id into its name
// and the scope it is defined at ("" for a built-in definition).
func splitPolicyID(id string) (name, scope string) {
	i := strings.LastIndex(strings.ToLower(id), "/providers/microsoft.authorization/")
	if i < 0 {
		return "", ""
	}
	return id[strings.LastIndex(id, "/")+1:], id[:i]
}

// managementGroupOf is the management group a scope names, or "".
func managementGroupOf(scope string) string {
	const mg = "/providers/microsoft.management/managementgroups/"
	if strings.HasPrefix(strings.ToLower(scope), mg) {
		return strings.SplitN(scope[len(mg):], "/", 2)[0]
	}
	return ""
}

func firstOf(a, b string) string {
	if a != "" {
		return a
	}
	return b
}

func authorizationAdvice(a *Authorization, sub string) string {
	if a == nil {
		return fmt.Sprintf("the identity that deploys lacks a role: prerequisites.md lists the roles it needs (Contributor, Role Based Access Control Administrator and Resource Policy Contributor on /subscriptions/%s, Network Contributor on the hub VNet); a role granted in the last minutes needs a fresh sign-in (az login)", sub)
	}
	assignee := "IDENTITY"
	if a.ObjectID != "" {
		assignee = a.ObjectID
	}
	where := "on " + a.Scope
	if a.Linked {
		where = "on the linked scope " + a.Scope + " (the platform's side: ask its owners)"
	}
	return fmt.Sprintf("the identity that deploys may not perform %s %s; %s grants it (az role assignment create --assignee %s --role %q --scope %s), as prerequisites.md's roles table says. A role granted in the last minutes needs a fresh sign-in (az login) to reach the token.",
		a.Action, where, a.Role, assignee, a.Role, a.Scope)
}

func quotaAdvice(q *Quota, sub, region string) string {
	if q == nil {
		return fmt.Sprintf("a quota of the subscription is exhausted in %s: see prerequisites.md's quota section, and the quotas with az quota list --scope /subscriptions/%s/providers/Microsoft.Compute/locations/%s; request an increase on the portal's Quotas page, or free what uses it", region, sub, region)
	}
	kind := "dedicated"
	if q.Name == "lowPriorityCores" {
		kind = "lowPriority"
	}
	value := "N"
	if q.NewLimit >= 0 {
		value = strconv.Itoa(q.NewLimit)
	}
	var now string
	if q.Limit >= 0 && q.Usage >= 0 && q.Required >= 0 {
		now = fmt.Sprintf(" (limit %d, %d in use, %d more needed)", q.Limit, q.Usage, q.Required)
	}
	return fmt.Sprintf("the subscription's %s quota in %s is too small%s. Request a limit of at least %s on the portal's Quotas page (Compute) or with az quota create --resource-name %s --scope /subscriptions/%s/providers/Microsoft.Compute/locations/%s --limit-object value=%s limit-object-type=LimitValue --resource-type %s; prerequisites.md's quota section lists every quota the zone needs (aizone build --usage FILE checks them against az vm list-usage --location %s -o json). A quota is not capacity: large GPU requests often go through support.",
		q.Name, q.Region, now, value, q.Name, sub, q.Region, value, kind, q.Region)
}

// dedupe drops repeated causes (the same error reached through a nested
// deployment and its operation) and orders them.
func dedupe(cs []Cause) []Cause {
	seen := map[string]bool{}
	var out []Cause
	for _, c := range cs {
		k := strings.Join([]string{c.ResourceGroup, c.ResourceType, c.ResourceName, c.Code, c.Message}, "\x00")
		if seen[k] {
			continue
		}
		seen[k] = true
		out = append(out, c)
	}
	sort.SliceStable(out, func(i, j int) bool {
		a, b := out[i], out[j]
		if a.ResourceGroup != b.ResourceGroup {
			return a.ResourceGroup < b.ResourceGroup
		}
		if a.ResourceType != b.ResourceType {
			return a.ResourceType < b.ResourceType
		}
		if a.ResourceName != b.ResourceName {
			return a.ResourceName < b.ResourceName
		}
		return a.Code < b.Code
	})
	return out
}

func deref(s *string) string {
	if s == nil {
		return ""
	}
	return *s
}

func eqFold(a, b string) bool { return strings.EqualFold(a, b) }

// oneLine folds a multi-line message (ARM's messages carry CRLFs) into one.
func oneLine(s string) string { return strings.Join(strings.Fields(s), " ") }
