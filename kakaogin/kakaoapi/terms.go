package kakaoapi

import (
	"context"
	"errors"
	"net/http"
	"net/url"
	"strings"
	"time"
)

// TermsResult selects which service terms ServiceTerms lists.
type TermsResult string

// TermsResult values.
const (
	AgreedServiceTerms TermsResult = "agreed_service_terms" // terms the user agreed to (Kakao's default)
	AppServiceTerms    TermsResult = "app_service_terms"    // all terms enabled for the app
)

// ServiceTermsOptions are the optional parameters of ServiceTerms.
type ServiceTermsOptions struct {
	Result TermsResult // empty: Kakao's default, AgreedServiceTerms
	Tags   []string    // restrict to these tags (sent comma-separated)
}

// ServiceTerm is the state of one Kakao Sync service term.
//
// Required and Revocable are pointers because only ServiceTerms's answer
// carries them: the terms RevokeServiceTerms and UpgradeServiceTerms return
// have neither, and a missing field must not read as "not required" or
// "not revocable". nil means Kakao did not say.
type ServiceTerm struct {
	Tag       string     `json:"tag"`
	Required  *bool      `json:"required,omitempty"`
	Agreed    bool       `json:"agreed"`
	Revocable *bool      `json:"revocable,omitempty"`
	AgreedAt  *time.Time `json:"agreed_at,omitempty"` // when last agreed
	AgreedBy  string     `json:"agreed_by,omitempty"` // "KAUTH" (consent screen) or "KAPI" (upgrade API)
}

// IsRequired reports whether Kakao said the term is required. It is false
// when Kakao said it is not and when it did not say, so check Required for
// nil where the difference matters.
func (t ServiceTerm) IsRequired() bool { return t.Required != nil && *t.Required }

// CanRevoke reports whether the user may withdraw the term as far as this
// answer tells: agreed, revocable present and true, and not required. A term
// from an answer without revocable (RevokeServiceTerms, UpgradeServiceTerms)
// is never revocable by this test.
func (t ServiceTerm) CanRevoke() bool {
	return t.Agreed && t.Revocable != nil && *t.Revocable && !t.IsRequired()
}

// ServiceTermsInfo is the answer of the service-terms APIs; each API fills
// its own list.
type ServiceTermsInfo struct {
	ID                  int64         `json:"id"`
	ServiceTerms        []ServiceTerm `json:"service_terms,omitempty"`         // ServiceTerms
	RevokedServiceTerms []ServiceTerm `json:"revoked_service_terms,omitempty"` // RevokeServiceTerms
	AgreedServiceTerms  []ServiceTerm `json:"agreed_service_terms,omitempty"`  // UpgradeServiceTerms
}

// ServiceTerms returns the user's service-terms state (/v2/user/service_terms,
// Kakao Sync apps only). opts may be nil. An unknown tag gives
// ErrBadParameter.
func (c *Client) ServiceTerms(ctx context.Context, auth Auth, opts *ServiceTermsOptions) (*ServiceTermsInfo, error) {
	params := url.Values{}
	if opts != nil {
		setIf(params, "result", string(opts.Result))
		setIf(params, "tags", strings.Join(opts.Tags, ","))
	}
	return c.terms(ctx, endpoint{op: "service terms", method: http.MethodGet, path: "/v2/user/service_terms"}, auth, params)
}

// RevokeServiceTerms withdraws the user's agreement to the given revocable
// terms (/v2/user/revoke/service_terms). Terms that could not be
// revoked are left out of RevokedServiceTerms; an unknown tag gives
// ErrBadParameter.
func (c *Client) RevokeServiceTerms(ctx context.Context, auth Auth, tags ...string) (*ServiceTermsInfo, error) {
	return c.termsTags(ctx, endpoint{op: "revoke service terms", method: http.MethodPost, path: "/v2/user/revoke/service_terms"}, auth, tags)
}

// UpgradeServiceTerms records that the user agreed to the given terms, after
// the service collected the agreement itself
// (/v2/user/upgrade/service_terms). Tags already agreed or invalid
// are left out of AgreedServiceTerms.
func (c *Client) UpgradeServiceTerms(ctx context.Context, auth Auth, tags ...string) (*ServiceTermsInfo, error) {
	return c.termsTags(ctx, endpoint{op: "agree service terms", method: http.MethodPost, path: "/v2/user/upgrade/service_terms"}, auth, tags)
}

func (c *Client) termsTags(ctx context.Context, e endpoint, auth Auth, tags []string) (*ServiceTermsInfo, error) {
	if len(tags) == 0 {
		return nil, errors.New("kakaoapi: " + e.op + ": no tags")
	}
	return c.terms(ctx, e, auth, url.Values{"tags": {strings.Join(tags, ",")}})
}

func (c *Client) terms(ctx context.Context, e endpoint, auth Auth, params url.Values) (*ServiceTermsInfo, error) {
	var t ServiceTermsInfo
	if err := c.api(ctx, e, auth, params, &t); err != nil {
		return nil, err
	}
	if t.ID <= 0 {
		return nil, wrapMalformed(e.op, "missing user id")
	}
	return &t, nil
}
