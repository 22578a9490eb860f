package kakaoapi

import (
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"strconv"
	"time"
)

// decodeJSON decodes a 2xx body into out. Its errors never quote the body.
func decodeJSON(body []byte, out any) error {
	err := json.Unmarshal(body, out)
	if err == nil {
		return nil
	}
	var me *malformedError
	if errors.As(err, &me) {
		return me
	}
	var te *json.UnmarshalTypeError
	if errors.As(err, &te) && te.Field != "" {
		return malformed("field %s has the wrong type", te.Field)
	}
	return malformed("not the expected JSON")
}

// parseAPIError reads a kapi error body ({"msg","code",…}) leniently: a field
// of the wrong type is ignored rather than hiding the others.
func parseAPIError(r *response, path string) *APIError {
	e := &APIError{HTTPStatus: r.status, Path: path, RetryAfter: retryAfter(r.header)}
	var m map[string]json.RawMessage
	if json.Unmarshal(r.body, &m) != nil {
		return e
	}
	var code int
	if json.Unmarshal(m["code"], &code) == nil {
		e.Code = Code(code)
	}
	_ = json.Unmarshal(m["msg"], &e.Msg)
	_ = json.Unmarshal(m["api_type"], &e.APIType)
	_ = json.Unmarshal(m["required_scopes"], &e.RequiredScopes)
	_ = json.Unmarshal(m["allowed_scopes"], &e.AllowedScopes)
	e.APIType = safeToken(e.APIType)
	return e
}

// parseAuthError reads a kauth error body ({"error","error_description",
// "error_code"}) leniently.
func parseAuthError(r *response, path string) *AuthError {
	e := &AuthError{HTTPStatus: r.status, Path: path, RetryAfter: retryAfter(r.header)}
	var m map[string]json.RawMessage
	if json.Unmarshal(r.body, &m) != nil {
		return e
	}
	var code, koe string
	_ = json.Unmarshal(m["error"], &code)
	_ = json.Unmarshal(m["error_code"], &koe)
	_ = json.Unmarshal(m["error_description"], &e.Description)
	e.Code = safeToken(code)
	e.KOE = KOE(safeToken(koe))
	return e
}

// safeToken keeps s only if it is a short identifier, so server-chosen codes
// are safe to log and compare.
func safeToken(s string) string {
	if len(s) == 0 || len(s) > 64 {
		return ""
	}
	for _, r := range s {
		ok := r == '_' || r == '-' || r == '.' || (r >= '0' && r <= '9') || (r >= 'a' && r <= 'z') || (r >= 'A' && r <= 'Z')
		if !ok {
			return ""
		}
	}
	return s
}

// retryAfter parses a Retry-After header in seconds or as an HTTP date.
func retryAfter(h http.Header) time.Duration {
	v := h.Get("Retry-After")
	if v == "" {
		return 0
	}
	if s, err := strconv.ParseInt(v, 10, 32); err == nil && s > 0 {
		return time.Duration(s) * time.Second
	}
	if t, err := http.ParseTime(v); err == nil {
		if d := time.Until(t); d > 0 && d < 24*time.Hour {
			return d.Round(time.Second)
		}
	}
	return 0
}

// jsonList encodes a list parameter as a JSON array string, the form Kakao
// expects for property_keys, scopes and target_ids.
func jsonList[T any](v []T) string {
	b, _ := json.Marshal(v)
	return string(b)
}

// idResponse is the {"id": …} answer of logout, unlink, signup and
// update_profile.
type idResponse struct {
	ID int64 `json:"id"`
}

func (r *idResponse) check() error {
	if r.ID <= 0 {
		return malformed("missing user id")
	}
	return nil
}

func wrapMalformed(op, reason string) error {
	return fmt.Errorf("kakaoapi: %s: %w", op, malformed("%s", reason))
}

func wrapErr(op string, err error) error {
	return fmt.Errorf("kakaoapi: %s: %w", op, err)
}
