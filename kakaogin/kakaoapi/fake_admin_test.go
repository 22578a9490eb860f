package kakaoapi_test

// Admin-key APIs (§13) against the fake: UserIDs and Users.

import (
	"context"
	"net/http"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/kakaologin/kakaologin/kakaogin/kakaoapi"
	"github.com/kakaologin/kakaologin/kakaogin/kakaotest"
)

// linkAll links every default user (Minji with email consent).
func linkAll(t *testing.T, e *fakeEnv) kakaoapi.Auth {
	e.issue(t, kakaotest.UserMinji, "account_email")
	e.issue(t, kakaotest.UserJunho)
	e.issue(t, kakaotest.UserSeoyeon)
	return kakaoapi.Auth{}
}

// wrongKey checks the answer to a wrong admin key (-401).
func wrongKey[T any](t *testing.T, e *fakeEnv, v T, err error) {
	wantAPIErr[T](kakaoapi.CodeInvalidToken, http.StatusUnauthorized)(t, e, v, err)
}

func TestFakeUserIDs(t *testing.T) {
	t.Parallel()
	opts := func(o *kakaoapi.UserIDsOptions) func(context.Context, *fakeEnv, kakaoapi.Auth) (*kakaoapi.UserIDPage, error) {
		return func(ctx context.Context, e *fakeEnv, _ kakaoapi.Auth) (*kakaoapi.UserIDPage, error) {
			return e.c.UserIDs(ctx, e.fake.AdminKey, o)
		}
	}
	m := method[*kakaoapi.UserIDPage]{path: kakaotest.PathUserIDs, call: opts(nil)}
	asc := []int64{kakaotest.UserSeoyeon, kakaotest.UserMinji, kakaotest.UserJunho}
	limited := kakaotest.WithBehavior(func(b *kakaotest.Behavior) { b.UserIDsPerMinute = 2 })
	cases := []apiCase[*kakaoapi.UserIDPage]{
		{name: "all linked users ascending, ID > 2^53 exact, no paging URLs", prep: linkAll,
			check: func(t *testing.T, e *fakeEnv, p *kakaoapi.UserIDPage, _ error) {
				if !slices.Equal(p.IDs, asc) || p.AfterURL != "" || p.BeforeURL != "" {
					t.Errorf("page %+v, want %v", p, asc)
				}
				if _, ok := p.Next(); ok {
					t.Error("Next on the last page")
				}
				if r := e.fake.Requests(); r[len(r)-1].AuthScheme != "KakaoAK" {
					t.Errorf("auth scheme %q, want KakaoAK", r[len(r)-1].AuthScheme)
				}
			}},
		{name: "unlinked users are not listed", prep: func(t *testing.T, e *fakeEnv) kakaoapi.Auth {
			e.issue(t, kakaotest.UserJunho)
			return kakaoapi.Auth{}
		}, check: func(t *testing.T, _ *fakeEnv, p *kakaoapi.UserIDPage, _ error) {
			if !slices.Equal(p.IDs, []int64{kakaotest.UserJunho}) {
				t.Errorf("ids %v", p.IDs)
			}
		}},
		{name: "paging with limit: Next reads after_url", prep: linkAll, call: opts(&kakaoapi.UserIDsOptions{Limit: 2}),
			check: func(t *testing.T, e *fakeEnv, p *kakaoapi.UserIDPage, _ error) {
				if !slices.Equal(p.IDs, asc[:2]) || p.BeforeURL != "" {
					t.Fatalf("page 1 %+v", p)
				}
				next, ok := p.Next()
				if !ok || next.FromID != kakaotest.UserJunho || next.Limit != 2 || next.Order != kakaoapi.Ascending {
					t.Fatalf("Next() = %+v, %t", next, ok)
				}
				p2, err := e.c.UserIDs(t.Context(), e.fake.AdminKey, &next)
				if err != nil || !slices.Equal(p2.IDs, asc[2:]) || p2.AfterURL != "" {
					t.Fatalf("page 2: %v %+v", err, p2)
				}
				prev, ok := p2.Prev()
				if !ok || prev.FromID != kakaotest.UserMinji || prev.Order != kakaoapi.Descending {
					t.Errorf("Prev() = %+v, %t", prev, ok)
				}
			}},
		{name: "descending from an ID", prep: linkAll, call: opts(&kakaoapi.UserIDsOptions{Order: kakaoapi.Descending, FromID: kakaotest.UserMinji}),
			check: func(t *testing.T, _ *fakeEnv, p *kakaoapi.UserIDPage, _ error) {
				if !slices.Equal(p.IDs, []int64{kakaotest.UserMinji, kakaotest.UserSeoyeon}) {
					t.Errorf("ids %v", p.IDs)
				}
			}},
		{name: "wrong admin key is ErrInvalidToken (-401)", prep: linkAll,
			call: func(ctx context.Context, e *fakeEnv, _ kakaoapi.Auth) (*kakaoapi.UserIDPage, error) {
				return e.c.UserIDs(ctx, "wrong-admin-key", nil)
			},
			want: []error{kakaoapi.ErrInvalidToken}, check: wrongKey[*kakaoapi.UserIDPage]},
		{name: "user access token instead of the admin key is refused by the client",
			call: func(ctx context.Context, e *fakeEnv, _ kakaoapi.Auth) (*kakaoapi.UserIDPage, error) {
				return e.c.UserIDs(ctx, "", nil)
			},
			local: true},
		{name: "limit over 100 is ErrBadParameter (-2)", prep: linkAll, call: opts(&kakaoapi.UserIDsOptions{Limit: 101}),
			want: []error{kakaoapi.ErrBadParameter}, check: wantAPIErr[*kakaoapi.UserIDPage](kakaoapi.CodeBadParameter, 400)},
		{name: "C32: per-minute call limit is ErrRateLimited with Retry-After (429, -10)", opts: []kakaotest.Option{limited},
			prep: func(t *testing.T, e *fakeEnv) kakaoapi.Auth {
				linkAll(t, e)
				for range 2 {
					if _, err := e.c.UserIDs(t.Context(), e.fake.AdminKey, nil); err != nil {
						t.Fatal(err)
					}
				}
				return kakaoapi.Auth{}
			},
			want: []error{kakaoapi.ErrRateLimited},
			check: func(t *testing.T, e *fakeEnv, p *kakaoapi.UserIDPage, err error) {
				wantAPIErr[*kakaoapi.UserIDPage](kakaoapi.CodeRateLimited, 429)(t, e, p, err)
				wantRetryAfter[*kakaoapi.UserIDPage](time.Minute)(t, e, p, err)
				e.clock.Advance(time.Minute)
				if _, err := e.c.UserIDs(t.Context(), e.fake.AdminKey, nil); err != nil {
					t.Errorf("a minute later: %v", err)
				}
			}},
	}
	runCases(t, m, concat(cases, kapiFaultCases[*kakaoapi.UserIDPage](linkAll)))
}

func TestFakeUsers(t *testing.T) {
	t.Parallel()
	all := []int64{kakaotest.UserMinji, kakaotest.UserJunho, kakaotest.UserSeoyeon}
	users := func(ids []int64, keys ...string) func(context.Context, *fakeEnv, kakaoapi.Auth) ([]kakaoapi.User, error) {
		return func(ctx context.Context, e *fakeEnv, _ kakaoapi.Auth) ([]kakaoapi.User, error) {
			return e.c.Users(ctx, e.fake.AdminKey, ids, keys...)
		}
	}
	m := method[[]kakaoapi.User]{path: kakaotest.PathAppUsers, call: users(all)}
	linkTwo := func(t *testing.T, e *fakeEnv) kakaoapi.Auth {
		e.issue(t, kakaotest.UserMinji, "account_email")
		e.issue(t, kakaotest.UserJunho)
		return kakaoapi.Auth{}
	}
	basic := func(t *testing.T, e *fakeEnv, us []kakaoapi.User, _ error) {
		if len(us) != 2 || us[0].ID != kakaotest.UserMinji || us[1].ID != kakaotest.UserJunho {
			t.Fatalf("users %+v, want Minji and Junho (> 2^53), the unlinked user left out", us)
		}
		for _, u := range us {
			if u.ConnectedAt == nil || !u.ConnectedAt.Equal(e.clock.Now()) || u.SynchedAt == nil || u.KakaoAccount != nil || u.Properties != nil {
				t.Errorf("user %+v: want only id, connected_at, synched_at", u)
			}
		}
	}
	cases := []apiCase[[]kakaoapi.User]{
		{name: "basic fields only without property_keys", prep: linkTwo, check: basic},
		{name: "elements wrapper accepted (open question 3)", prep: linkTwo, check: basic,
			opts: []kakaotest.Option{kakaotest.WithBehavior(func(b *kakaotest.Behavior) { b.AppUsersElements = true })}},
		{name: "kakao_account. returns consented account fields", prep: linkTwo,
			call: users(all, "kakao_account.", "properties."),
			check: func(t *testing.T, _ *fakeEnv, us []kakaoapi.User, _ error) {
				if len(us) != 2 {
					t.Fatalf("users %+v", us)
				}
				minji, junho := us[0].KakaoAccount, us[1].KakaoAccount
				if minji == nil || !minji.EmailVerified() || minji.Email != "minji@example.com" || !isTrueP(minji.GenderNeedsAgreement) {
					t.Errorf("Minji's account %+v", minji)
				}
				if junho == nil || junho.Email != "" || !isTrueP(junho.EmailNeedsAgreement) || junho.Profile == nil || junho.Profile.Nickname != "준호" {
					t.Errorf("Junho's account %+v", junho)
				}
			}},
		{name: "no linked user among the IDs: empty list", call: users([]int64{kakaotest.UserSeoyeon}),
			check: func(t *testing.T, _ *fakeEnv, us []kakaoapi.User, _ error) {
				if len(us) != 0 {
					t.Errorf("users %+v", us)
				}
			}},
		{name: "wrong admin key is ErrInvalidToken (-401)", prep: linkTwo,
			call: func(ctx context.Context, e *fakeEnv, _ kakaoapi.Auth) ([]kakaoapi.User, error) {
				return e.c.Users(ctx, "wrong-admin-key", all)
			},
			want: []error{kakaoapi.ErrInvalidToken}, check: wrongKey[[]kakaoapi.User]},
		{name: "undefined property key is ErrUnknownProperty (-201)", prep: linkTwo, call: users(all, "properties.no_such_key"),
			want: []error{kakaoapi.ErrUnknownProperty}, check: wantAPIErr[[]kakaoapi.User](kakaoapi.CodeUnknownProperty, 400)},
		{name: "invalid property key is ErrBadParameter (-2)", prep: linkTwo, call: users(all, "nickname"),
			want: []error{kakaoapi.ErrBadParameter}},
		{name: "more than 20 IDs with property_keys is rejected locally", call: users(make([]int64, 21), "kakao_account."), local: true},
		{name: "more than 100 IDs is rejected locally", call: users(make([]int64, 101)), local: true},
		{name: "no IDs is rejected locally", call: users(nil), local: true},
		{name: "empty admin key is rejected locally", local: true,
			call: func(ctx context.Context, e *fakeEnv, _ kakaoapi.Auth) ([]kakaoapi.User, error) {
				return e.c.Users(ctx, "", all)
			}},
	}
	runCases(t, m, concat(cases, kapiFaultCases[[]kakaoapi.User](linkTwo)))
}

// TestFakeAdminKeyOnlyInHeader: every admin call sends the admin key only
// as "Authorization: KakaoAK …" (C85), checked on the raw requests.
func TestFakeAdminKeyOnlyInHeader(t *testing.T) {
	t.Parallel()
	e := newFakeEnv(t)
	linkAll(t, e)
	ctx := t.Context()
	admin := kakaoapi.Admin(e.fake.AdminKey, kakaotest.UserMinji)
	calls := []func() error{
		func() error { _, err := e.c.UserIDs(ctx, e.fake.AdminKey, nil); return err },
		func() error { _, err := e.c.Users(ctx, e.fake.AdminKey, []int64{kakaotest.UserMinji}); return err },
		func() error { _, err := e.c.Me(ctx, admin, nil); return err },
		func() error { _, err := e.c.Scopes(ctx, admin); return err },
		func() error { _, err := e.c.ShippingAddresses(ctx, admin, nil); return err },
		func() error { _, err := e.c.Logout(ctx, admin); return err },
	}
	before := len(e.fake.Requests())
	for i, call := range calls {
		if err := call(); err != nil {
			t.Fatalf("call %d: %v", i, err)
		}
	}
	reqs := e.fake.Requests()[before:]
	if len(reqs) != len(calls) {
		t.Fatalf("%d requests for %d calls", len(reqs), len(calls))
	}
	for _, r := range reqs {
		if r.AuthScheme != "KakaoAK" {
			t.Errorf("%s: auth scheme %q", r.Path, r.AuthScheme)
		}
		if strings.Contains(r.Path, e.fake.AdminKey) {
			t.Errorf("%s: admin key in the path", r.Path)
		}
	}
	e.checkSecrets(t, reqs)
}
