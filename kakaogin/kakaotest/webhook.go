package kakaotest

import (
	"context"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"
)

// Unlink-callback referrer_type values.
const (
	ReferrerAccountDelete       = "ACCOUNT_DELETE"
	ReferrerForcedAccountDelete = "FORCED_ACCOUNT_DELETE"
	ReferrerUnlinkFromApps      = "UNLINK_FROM_APPS"
	ReferrerUnlinkFromAdmin     = "UNLINK_FROM_ADMIN"
	ReferrerIncompleteSignUp    = "INCOMPLETE_SIGN_UP"
)

type callbackConfig struct {
	method     string
	timeout    time.Duration
	client     *http.Client
	adminKey   *string
	appID      *string
	groupToken string
}

// CallbackOption adjusts FireUnlinkCallback.
type CallbackOption func(*callbackConfig)

// CallbackPOST sends the callback as a POST form instead of GET.
func CallbackPOST() CallbackOption { return func(c *callbackConfig) { c.method = http.MethodPost } }

// CallbackTimeout sets the deadline (default 3 s, Kakao's limit).
func CallbackTimeout(d time.Duration) CallbackOption {
	return func(c *callbackConfig) { c.timeout = d }
}

// CallbackClient sets the HTTP client (default: a plain client). Its
// redirect policy is replaced: redirects are never followed.
func CallbackClient(hc *http.Client) CallbackOption { return func(c *callbackConfig) { c.client = hc } }

// CallbackAdminKey overrides the admin key sent (e.g. a wrong one).
func CallbackAdminKey(key string) CallbackOption {
	return func(c *callbackConfig) { c.adminKey = &key }
}

// CallbackAppID overrides the app_id sent (e.g. another app's).
func CallbackAppID(id string) CallbackOption { return func(c *callbackConfig) { c.appID = &id } }

// CallbackGroupUserToken adds group_user_token.
func CallbackGroupUserToken(tok string) CallbackOption {
	return func(c *callbackConfig) { c.groupToken = tok }
}

// CallbackError is returned when the receiver answered but not with 200
// (Kakao counts any other status, redirects included, as failure).
type CallbackError struct{ Status int }

// Error describes the unexpected status.
func (e *CallbackError) Error() string {
	return fmt.Sprintf("kakaotest: unlink callback: receiver answered %d, want 200", e.Status)
}

// FireUnlinkCallback sends Kakao's unlink callback to rawURL:
// Authorization: KakaoAK <admin key>, app_id, user_id and referrerType in
// the query (GET, default) or a form body (CallbackPOST). Redirects are not
// followed. It returns the receiver's status, and a *CallbackError when that
// is not 200, or the transport error (including the 3 s timeout).
// It does not unlink the user; call UnlinkUser first, as Kakao does.
func (s *Server) FireUnlinkCallback(ctx context.Context, rawURL string, userID int64, referrerType string, opts ...CallbackOption) (int, error) {
	cfg := callbackConfig{method: http.MethodGet, timeout: 3 * time.Second}
	for _, o := range opts {
		o(&cfg)
	}
	key, app := s.AdminKey, strconv.FormatInt(s.AppID, 10)
	if cfg.adminKey != nil {
		key = *cfg.adminKey
	}
	if cfg.appID != nil {
		app = *cfg.appID
	}
	v := url.Values{"app_id": {app}, "user_id": {strconv.FormatInt(userID, 10)}, "referrer_type": {referrerType}}
	if cfg.groupToken != "" {
		v.Set("group_user_token", cfg.groupToken)
	}
	ctx, cancel := context.WithTimeout(ctx, cfg.timeout)
	defer cancel()
	var body io.Reader
	target := rawURL
	if cfg.method == http.MethodGet {
		sep := "?"
		if strings.Contains(rawURL, "?") {
			sep = "&"
		}
		target = rawURL + sep + v.Encode()
	} else {
		body = strings.NewReader(v.Encode())
	}
	req, err := http.NewRequestWithContext(ctx, cfg.method, target, body)
	if err != nil {
		return 0, fmt.Errorf("kakaotest: unlink callback: %w", err)
	}
	if body != nil {
		req.Header.Set("Content-Type", "application/x-www-form-urlencoded;charset=utf-8")
	}
	req.Header.Set("Authorization", "KakaoAK "+key)
	resp, err := sendOnce(cfg.client, req)
	if err != nil {
		return 0, fmt.Errorf("kakaotest: unlink callback: %w", err)
	}
	defer resp.Body.Close()
	_, _ = io.Copy(io.Discard, io.LimitReader(resp.Body, 64<<10))
	if resp.StatusCode != http.StatusOK {
		return resp.StatusCode, &CallbackError{Status: resp.StatusCode}
	}
	return resp.StatusCode, nil
}

// sendOnce sends a webhook delivery as Kakao does: with the host's client
// (nil: a plain one), following no redirect, so that the answer the
// receiver gave is the one seen.
func sendOnce(hc *http.Client, req *http.Request) (*http.Response, error) {
	c := http.Client{}
	if hc != nil {
		c = *hc
	}
	c.CheckRedirect = func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }
	return c.Do(req)
}
