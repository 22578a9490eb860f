package kakaoapi

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"net/http"
	"net/url"
	"strconv"
)

// Order is the sort order of UserIDs.
type Order string

// Orders.
const (
	Ascending  Order = "asc"
	Descending Order = "desc"
)

// UserIDsOptions are the optional parameters of UserIDs.
type UserIDsOptions struct {
	Limit  int   // 1–100; Kakao's default 100 when 0
	FromID int64 // start from this ID (inclusive) when not 0
	Order  Order // Kakao's default Ascending when empty
}

// UserIDPage is one page of the app's user IDs.
type UserIDPage struct {
	IDs       []int64 `json:"elements"`
	BeforeURL string  `json:"before_url,omitempty"` // empty when there is no previous page
	AfterURL  string  `json:"after_url,omitempty"`  // empty when there is no next page
}

// Next returns the options for the page after p, read from AfterURL, and
// false on the last page. The URL itself is never fetched.
func (p *UserIDPage) Next() (UserIDsOptions, bool) { return pageOptions(p.AfterURL) }

// Prev returns the options for the page before p, read from BeforeURL, and
// false on the first page.
func (p *UserIDPage) Prev() (UserIDsOptions, bool) { return pageOptions(p.BeforeURL) }

func pageOptions(raw string) (UserIDsOptions, bool) {
	u, err := url.Parse(raw)
	if raw == "" || err != nil {
		return UserIDsOptions{}, false
	}
	q := u.Query()
	from, err := strconv.ParseInt(q.Get("from_id"), 10, 64)
	if err != nil {
		return UserIDsOptions{}, false
	}
	limit, _ := strconv.Atoi(q.Get("limit"))
	return UserIDsOptions{Limit: limit, FromID: from, Order: Order(q.Get("order"))}, true
}

// UserIDs lists the IDs of the app's users (/v1/user/ids) with the
// admin key. opts may be nil. Kakao allows 100 calls per minute; more give
// ErrRateLimited.
func (c *Client) UserIDs(ctx context.Context, adminKey string, opts *UserIDsOptions) (*UserIDPage, error) {
	e := endpoint{op: "user ids", method: http.MethodGet, path: "/v1/user/ids"}
	authz, err := adminAuth(adminKey)
	if err != nil {
		return nil, wrapErr(e.op, err)
	}
	params := url.Values{}
	if opts != nil {
		if opts.Limit != 0 {
			params.Set("limit", strconv.Itoa(opts.Limit))
		}
		if opts.FromID != 0 {
			params.Set("from_id", strconv.FormatInt(opts.FromID, 10))
		}
		setIf(params, "order", string(opts.Order))
	}
	var p UserIDPage
	if err := c.apiWith(ctx, e, authz, params, &p); err != nil {
		return nil, err
	}
	return &p, nil
}

// Users returns several users at once (/v2/app/users) with the admin
// key: at most 100 IDs, or 20 when propertyKeys are given. Without
// propertyKeys only id, connected_at and synched_at are returned; keys may
// name exact fields ("kakao_account.email", "has_signed_up") or parents
// ending in a dot ("kakao_account.", "properties.").
func (c *Client) Users(ctx context.Context, adminKey string, ids []int64, propertyKeys ...string) ([]User, error) {
	e := endpoint{op: "multiple users", method: http.MethodGet, path: "/v2/app/users"}
	authz, err := adminAuth(adminKey)
	if err != nil {
		return nil, wrapErr(e.op, err)
	}
	max := 100
	if len(propertyKeys) > 0 {
		max = 20
	}
	if len(ids) == 0 || len(ids) > max {
		return nil, errors.New("kakaoapi: multiple users: need 1 to " + strconv.Itoa(max) + " IDs")
	}
	params := url.Values{"target_id_type": {"user_id"}, "target_ids": {jsonList(ids)}}
	if len(propertyKeys) > 0 {
		params.Set("property_keys", jsonList(propertyKeys))
	}
	var l userList
	if err := c.apiWith(ctx, e, authz, params, &l); err != nil {
		return nil, err
	}
	return l, nil
}

// userList accepts both shapes Kakao documents for /v2/app/users (open
// question 3): a bare JSON array and an {"elements": [...]} wrapper.
type userList []User

func (l *userList) UnmarshalJSON(b []byte) error {
	var users []User
	if t := bytes.TrimLeft(b, " \t\r\n"); len(t) > 0 && t[0] == '[' {
		if err := json.Unmarshal(t, &users); err != nil {
			return err
		}
	} else {
		var w struct {
			Elements *[]User `json:"elements"`
		}
		if err := json.Unmarshal(b, &w); err != nil {
			return err
		}
		if w.Elements == nil {
			return malformed("neither a user array nor an elements list")
		}
		users = *w.Elements
	}
	for _, u := range users {
		if u.ID <= 0 {
			return malformed("user without id")
		}
	}
	*l = users
	return nil
}
