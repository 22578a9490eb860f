package kakaoapi_test

// User-token (and admin-target) kapi calls against the fake: Me, UserInfo,
// AccessTokenInfo, Logout, Unlink, Signup, UpdateProfile, Scopes,
// RevokeScopes, the three service-terms calls and ShippingAddresses. Each
// table has the success cases, the documented errors the fake produces for
// real, the standard credential failures (authCases) and the injected
// transient failures (kapiFaultCases).

import (
	"context"
	"errors"
	"maps"
	"net/http"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/kakaologin/kakaologin/kakaogin/kakaoapi"
	"github.com/kakaologin/kakaologin/kakaogin/kakaotest"
)

// allItems are the default consent items apart from the on-demand ones.
var allItems = []string{"profile_image", "account_email", "name", "gender", "age_range", "birthday", "birthyear", "phone_number"}

// me fetches the user as the admin sees it, for follow-up checks.
func (e *fakeEnv) me(t *testing.T, id int64) (*kakaoapi.User, error) {
	t.Helper()
	return e.c.Me(t.Context(), kakaoapi.Admin(e.fake.AdminKey, id), nil)
}

func wantAPIErr[T any](code kakaoapi.Code, status int) func(*testing.T, *fakeEnv, T, error) {
	return func(t *testing.T, _ *fakeEnv, _ T, err error) {
		var ae *kakaoapi.APIError
		if !errors.As(err, &ae) || ae.Code != code || ae.HTTPStatus != status {
			t.Errorf("err = %#v, want *APIError %d HTTP %d", err, code, status)
		}
		if errors.Is(err, kakaoapi.ErrUnavailable) {
			t.Errorf("%d must not read as Kakao unavailable", code)
		}
	}
}

func TestFakeMe(t *testing.T) {
	t.Parallel()
	m := method[*kakaoapi.User]{
		path: kakaotest.PathMe,
		call: func(ctx context.Context, e *fakeEnv, a kakaoapi.Auth) (*kakaoapi.User, error) {
			return e.c.Me(ctx, a, nil)
		},
	}
	withOpts := func(o kakaoapi.MeOptions) func(context.Context, *fakeEnv, kakaoapi.Auth) (*kakaoapi.User, error) {
		return func(ctx context.Context, e *fakeEnv, a kakaoapi.Auth) (*kakaoapi.User, error) {
			return e.c.Me(ctx, a, &o)
		}
	}
	partial := func(t *testing.T, e *fakeEnv, u *kakaoapi.User, _ error) {
		now := e.clock.Now()
		if u.ID != kakaotest.UserJunho {
			t.Fatalf("ID = %d, want %d exactly (> 2^53)", u.ID, kakaotest.UserJunho)
		}
		if u.ConnectedAt == nil || !u.ConnectedAt.Equal(now) || u.SynchedAt == nil || !u.SynchedAt.Equal(now) {
			t.Errorf("connected_at %v synched_at %v, want both %v", u.ConnectedAt, u.SynchedAt, now)
		}
		if u.HasSignedUp != nil || u.ForPartner != nil {
			t.Errorf("has_signed_up %v for_partner %v: want both absent on an auto-link app without talk_message", u.HasSignedUp, u.ForPartner)
		}
		a := u.KakaoAccount
		if a == nil || a.Profile == nil {
			t.Fatalf("kakao_account %+v", a)
		}
		// Consented: email (valid, not verified), gender, nickname (required).
		if a.Email != "junho.lee@example.kr" || !isFalseP(a.EmailNeedsAgreement) || !isTrueP(a.IsEmailValid) || !isFalseP(a.IsEmailVerified) {
			t.Errorf("email %q needs %v valid %v verified %v", a.Email, a.EmailNeedsAgreement, a.IsEmailValid, a.IsEmailVerified)
		}
		if a.EmailVerified() {
			t.Error("C53: EmailVerified() true for an unverified email")
		}
		if a.Gender != kakaoapi.Male || !isFalseP(a.GenderNeedsAgreement) {
			t.Errorf("gender %q needs %v", a.Gender, a.GenderNeedsAgreement)
		}
		if a.Profile.Nickname != "준호" || !isFalseP(a.ProfileNicknameNeedsAgreement) || !isFalseP(a.Profile.IsDefaultNickname) {
			t.Errorf("nickname %q needs %v", a.Profile.Nickname, a.ProfileNicknameNeedsAgreement)
		}
		// Not consented: absent, *NeedsAgreement true.
		for name, f := range map[string]struct {
			v     string
			needs *bool
		}{
			"name": {a.Name, a.NameNeedsAgreement}, "age_range": {string(a.AgeRange), a.AgeRangeNeedsAgreement},
			"birthday": {a.Birthday, a.BirthdayNeedsAgreement}, "birthyear": {a.Birthyear, a.BirthyearNeedsAgreement},
			"phone_number":  {a.PhoneNumber, a.PhoneNumberNeedsAgreement},
			"profile_image": {a.Profile.ThumbnailImageURL + a.Profile.ProfileImageURL, a.ProfileImageNeedsAgreement},
		} {
			if f.v != "" || !isTrueP(f.needs) {
				t.Errorf("%s = %q, needs_agreement %v; want absent with needs_agreement true", name, f.v, f.needs)
			}
		}
		if a.CINeedsAgreement != nil || a.CI != "" || a.BirthdayType != "" || a.IsLeapMonth != nil {
			t.Errorf("unconfigured or unconsented fields present: %+v", a)
		}
	}
	full := func(t *testing.T, e *fakeEnv, u *kakaoapi.User, _ error) {
		a := u.KakaoAccount
		if u.ID != kakaotest.UserMinji || a == nil || a.Profile == nil {
			t.Fatalf("user %+v", u)
		}
		if !a.EmailVerified() || a.Email != "minji@example.com" {
			t.Errorf("C53: EmailVerified() false for a valid and verified email %q", a.Email)
		}
		if a.Name != "김민지" || a.AgeRange != kakaoapi.AgeRange30to39 || a.Birthyear != "1991" || a.Birthday != "0214" ||
			a.BirthdayType != kakaoapi.Solar || !isFalseP(a.IsLeapMonth) || a.Gender != kakaoapi.Female ||
			a.PhoneNumber != "+82 10-2345-6789" || !isFalseP(a.Profile.IsDefaultImage) {
			t.Errorf("account %+v", a)
		}
		for _, needs := range []*bool{a.NameNeedsAgreement, a.AgeRangeNeedsAgreement, a.BirthdayNeedsAgreement,
			a.BirthyearNeedsAgreement, a.GenderNeedsAgreement, a.PhoneNumberNeedsAgreement, a.ProfileImageNeedsAgreement, a.EmailNeedsAgreement} {
			if !isFalseP(needs) {
				t.Errorf("a *NeedsAgreement flag is %v after full consent", needs)
			}
		}
		if u.ForPartner == nil || u.ForPartner.UUID != "xYzAbC1234dEfGh" {
			t.Errorf("for_partner %+v, want the uuid after talk_message consent", u.ForPartner)
		}
	}
	imageScheme := func(scheme string) func(*testing.T, *fakeEnv, *kakaoapi.User, error) {
		return func(t *testing.T, _ *fakeEnv, u *kakaoapi.User, _ error) {
			p := u.KakaoAccount.Profile
			if !strings.HasPrefix(p.ThumbnailImageURL, scheme+"://") || !strings.HasPrefix(p.ProfileImageURL, scheme+"://") {
				t.Errorf("image URLs %q %q, want %s", p.ThumbnailImageURL, p.ProfileImageURL, scheme)
			}
		}
	}
	cases := []apiCase[*kakaoapi.User]{
		{name: "Bearer: ID > 2^53, consent-gated fields absent with needs_agreement", prep: asUser(kakaotest.UserJunho, "account_email", "gender"), check: partial},
		{name: "admin key with target_id: same user", prep: asAdmin(kakaotest.UserJunho, "account_email", "gender"), check: partial},
		{name: "full consent: every field, EmailVerified() true", prep: asUser(kakaotest.UserMinji, append(allItems, "talk_message")...),
			call: withOpts(kakaoapi.MeOptions{SecureResource: true}), check: full},
		{name: "POST form variant", prep: asUser(kakaotest.UserJunho, "account_email", "gender"), call: withOpts(kakaoapi.MeOptions{Post: true}),
			check: func(t *testing.T, e *fakeEnv, u *kakaoapi.User, err error) {
				partial(t, e, u, err)
				if r := e.fake.Requests(); r[len(r)-1].Method != http.MethodPost {
					t.Errorf("method %s, want POST", r[len(r)-1].Method)
				}
			}},
		{name: "secure_resource=true gives https image URLs", prep: asUser(kakaotest.UserMinji, "profile_image"),
			call: withOpts(kakaoapi.MeOptions{SecureResource: true}), check: imageScheme("https")},
		{name: "without secure_resource image URLs are http", prep: asUser(kakaotest.UserMinji, "profile_image"), check: imageScheme("http")},
		{name: "property_keys restricts the answer", prep: asUser(kakaotest.UserMinji, allItems...),
			call: withOpts(kakaoapi.MeOptions{PropertyKeys: []string{"kakao_account.email"}}),
			check: func(t *testing.T, _ *fakeEnv, u *kakaoapi.User, _ error) {
				a := u.KakaoAccount
				if a == nil || a.Email != "minji@example.com" || a.Profile != nil || a.Gender != "" || a.NameNeedsAgreement != nil {
					t.Errorf("account %+v, want only the email group", a)
				}
			}},
		{name: "custom properties are decoded", prep: func(t *testing.T, e *fakeEnv) kakaoapi.Auth {
			a := asUser(kakaotest.UserMinji)(t, e)
			if _, err := e.c.UpdateProfile(t.Context(), a, map[string]string{"member_grade": "gold"}); err != nil {
				t.Fatal(err)
			}
			return a
		}, check: func(t *testing.T, _ *fakeEnv, u *kakaoapi.User, _ error) {
			if u.Properties["member_grade"] != "gold" {
				t.Errorf("properties %v", u.Properties)
			}
		}},
		{name: "undefined custom property key is ErrUnknownProperty (-201)", prep: asUser(kakaotest.UserMinji),
			call: withOpts(kakaoapi.MeOptions{PropertyKeys: []string{"properties.no_such_key"}}),
			want: []error{kakaoapi.ErrUnknownProperty}, check: wantAPIErr[*kakaoapi.User](kakaoapi.CodeUnknownProperty, 400)},
		{name: "invalid property key is ErrBadParameter (-2)", prep: asUser(kakaotest.UserMinji),
			call: withOpts(kakaoapi.MeOptions{PropertyKeys: []string{"kakao_account.shoe_size"}}),
			want: []error{kakaoapi.ErrBadParameter}, check: wantAPIErr[*kakaoapi.User](kakaoapi.CodeBadParameter, 400)},
	}
	runCases(t, m, concat(cases, authCases[*kakaoapi.User](false), kapiFaultCases[*kakaoapi.User](asUser(kakaotest.UserMinji))))
}

func TestFakeUserInfo(t *testing.T) {
	t.Parallel()
	m := method[*kakaoapi.UserInfo]{
		path: kakaotest.PathOIDCUserInfo,
		call: func(ctx context.Context, e *fakeEnv, a kakaoapi.Auth) (*kakaoapi.UserInfo, error) {
			return e.c.UserInfo(ctx, a)
		},
	}
	cases := []apiCase[*kakaoapi.UserInfo]{
		{name: "full consent: claims decoded, email_verified true", prep: asUser(kakaotest.UserMinji, allItems...),
			check: func(t *testing.T, _ *fakeEnv, u *kakaoapi.UserInfo, _ error) {
				if u.Subject != "4012345678" || u.Email != "minji@example.com" || !isTrueP(u.EmailVerified) ||
					u.Gender != kakaoapi.Female || u.Birthdate != "1991-02-14" || u.Name != "김민지" || u.Nickname != "민지" ||
					u.PhoneNumber != "+82 10-2345-6789" || !isTrueP(u.PhoneNumberVerified) || u.Picture == "" {
					t.Errorf("userinfo %+v", u)
				}
			}},
		{name: "C50: sub of a user > 2^53 is exact; unverified email has email_verified false",
			prep: asUser(kakaotest.UserJunho, "account_email", "birthday"),
			check: func(t *testing.T, _ *fakeEnv, u *kakaoapi.UserInfo, _ error) {
				if u.Subject != "1376016924429759243" || !isFalseP(u.EmailVerified) || u.Birthdate != "0000-11-03" {
					t.Errorf("userinfo %+v", u)
				}
				if u.Name != "" || u.Gender != "" || u.PhoneNumber != "" || u.PhoneNumberVerified != nil || u.Picture != "" {
					t.Errorf("unconsented claims present: %+v", u)
				}
			}},
		{name: "gender sent as MALE is decoded lower case",
			opts: []kakaotest.Option{kakaotest.WithBehavior(func(b *kakaotest.Behavior) { b.UserInfoGenderUpper = true })},
			prep: asUser(kakaotest.UserJunho, "gender"),
			check: func(t *testing.T, _ *fakeEnv, u *kakaoapi.UserInfo, _ error) {
				if u.Gender != kakaoapi.Male {
					t.Errorf("gender %q, want male", u.Gender)
				}
			}},
		{name: "OIDC off for the app is -3 (not ErrNotRevocable)",
			opts: []kakaotest.Option{kakaotest.WithBehavior(func(b *kakaotest.Behavior) { b.OIDC = false })},
			prep: asUser(kakaotest.UserMinji), fail: true,
			check: func(t *testing.T, e *fakeEnv, u *kakaoapi.UserInfo, err error) {
				wantAPIErr[*kakaoapi.UserInfo](kakaoapi.CodeNotAllowed, 403)(t, e, u, err)
				if errors.Is(err, kakaoapi.ErrNotRevocable) {
					t.Error("-3 outside a revoke API matched ErrNotRevocable")
				}
			}},
		{name: "-101 user not linked is ErrNotLinked", prep: asUser(kakaotest.UserMinji),
			fault: faultPtr(kakaotest.KapiFault(400, -101, "NotRegisteredUserException")), want: []error{kakaoapi.ErrNotLinked}},
	}
	runCases(t, m, concat(cases, authCases[*kakaoapi.UserInfo](true), kapiFaultCases[*kakaoapi.UserInfo](asUser(kakaotest.UserMinji))))
}

func TestFakeAccessTokenInfo(t *testing.T) {
	t.Parallel()
	m := method[*kakaoapi.AccessTokenInfo]{
		path: kakaotest.PathAccessTokenInfo,
		call: func(ctx context.Context, e *fakeEnv, a kakaoapi.Auth) (*kakaoapi.AccessTokenInfo, error) {
			return e.c.AccessTokenInfo(ctx, a)
		},
	}
	cases := []apiCase[*kakaoapi.AccessTokenInfo]{
		{name: "success: ID > 2^53, remaining life after 1h, app ID",
			prep: func(t *testing.T, e *fakeEnv) kakaoapi.Auth {
				a := asUser(kakaotest.UserJunho)(t, e)
				e.clock.Advance(time.Hour)
				return a
			},
			check: func(t *testing.T, e *fakeEnv, i *kakaoapi.AccessTokenInfo, _ error) {
				if i.ID != kakaotest.UserJunho || i.ExpiresIn != 5*time.Hour || i.AppID != e.fake.AppID {
					t.Errorf("info %+v, want id %d, 5h left, app %d", i, kakaotest.UserJunho, e.fake.AppID)
				}
			}},
		{name: "one second before expiry the token is still valid",
			prep: func(t *testing.T, e *fakeEnv) kakaoapi.Auth {
				a := asUser(kakaotest.UserMinji)(t, e)
				e.clock.Advance(6*time.Hour - time.Second)
				return a
			},
			check: func(t *testing.T, _ *fakeEnv, i *kakaoapi.AccessTokenInfo, _ error) {
				if i.ExpiresIn != time.Second {
					t.Errorf("ExpiresIn %v, want 1s", i.ExpiresIn)
				}
			}},
		{name: "-2 malformed token is ErrBadParameter", prep: asUser(kakaotest.UserMinji),
			fault: faultPtr(kakaotest.KapiFault(400, -2, "wrong parameter")), want: []error{kakaoapi.ErrBadParameter}},
		{name: "other code (app gone, -301) is an *APIError, not transient", prep: asUser(kakaotest.UserMinji),
			fault: faultPtr(kakaotest.KapiFault(400, -301, "app not found")), fail: true,
			check: wantAPIErr[*kakaoapi.AccessTokenInfo](kakaoapi.CodeUnknownApp, 400)},
	}
	runCases(t, m, concat(cases, authCases[*kakaoapi.AccessTokenInfo](true), kapiFaultCases[*kakaoapi.AccessTokenInfo](asUser(kakaotest.UserMinji))))
}

// idMethod is a Client method answering {"id": …}.
func idMethod(path string, call func(context.Context, *fakeEnv, kakaoapi.Auth) (int64, error)) method[int64] {
	return method[int64]{path: path, call: call}
}

func wantID(id int64) func(*testing.T, *fakeEnv, int64, error) {
	return func(t *testing.T, _ *fakeEnv, got int64, _ error) {
		if got != id {
			t.Errorf("id = %d, want %d", got, id)
		}
	}
}

func TestFakeLogout(t *testing.T) {
	t.Parallel()
	m := idMethod(kakaotest.PathLogout, func(ctx context.Context, e *fakeEnv, a kakaoapi.Auth) (int64, error) { return e.c.Logout(ctx, a) })
	cases := []apiCase[int64]{
		{name: "Bearer: that token is revoked, another token of the user survives",
			prep: func(t *testing.T, e *fakeEnv) kakaoapi.Auth {
				e.other = e.issue(t, kakaotest.UserJunho).AccessToken
				return asUser(kakaotest.UserJunho)(t, e)
			},
			check: func(t *testing.T, e *fakeEnv, id int64, _ error) {
				wantID(kakaotest.UserJunho)(t, e, id, nil)
				if _, err := e.c.Me(t.Context(), kakaoapi.Bearer(e.raw.AccessToken), nil); !errors.Is(err, kakaoapi.ErrInvalidToken) {
					t.Errorf("logged-out token: err = %v, want ErrInvalidToken", err)
				}
				if _, err := e.c.Me(t.Context(), kakaoapi.Bearer(e.other), nil); err != nil {
					t.Errorf("other token of the user: %v", err)
				}
			}},
		{name: "admin key: every token of the user is revoked",
			prep: func(t *testing.T, e *fakeEnv) kakaoapi.Auth {
				e.other = e.issue(t, kakaotest.UserMinji).AccessToken
				return asAdmin(kakaotest.UserMinji)(t, e)
			},
			check: func(t *testing.T, e *fakeEnv, id int64, _ error) {
				wantID(kakaotest.UserMinji)(t, e, id, nil)
				for _, tok := range []string{e.other, e.raw.AccessToken} {
					if _, err := e.c.Me(t.Context(), kakaoapi.Bearer(tok), nil); !errors.Is(err, kakaoapi.ErrInvalidToken) {
						t.Errorf("token after admin logout: err = %v, want ErrInvalidToken", err)
					}
				}
				if _, err := e.me(t, kakaotest.UserMinji); err != nil {
					t.Errorf("logout must not unlink: %v", err)
				}
			}},
	}
	runCases(t, m, concat(cases, authCases[int64](false), kapiFaultCases[int64](asUser(kakaotest.UserMinji))))
}

func TestFakeUnlink(t *testing.T) {
	t.Parallel()
	m := idMethod(kakaotest.PathUnlink, func(ctx context.Context, e *fakeEnv, a kakaoapi.Auth) (int64, error) { return e.c.Unlink(ctx, a) })
	unlinked := func(id int64) func(*testing.T, *fakeEnv, int64, error) {
		return func(t *testing.T, e *fakeEnv, got int64, _ error) {
			wantID(id)(t, e, got, nil)
			if u, _ := e.fake.User(id); u.Linked || len(u.Consents) != 0 {
				t.Errorf("fake user still linked %v with consents %v", u.Linked, u.Consents)
			}
			if _, err := e.me(t, id); !errors.Is(err, kakaoapi.ErrNotLinked) {
				t.Errorf("Me after unlink: err = %v, want ErrNotLinked", err)
			}
			if _, err := e.c.Me(t.Context(), kakaoapi.Bearer(e.raw.AccessToken), nil); !errors.Is(err, kakaoapi.ErrInvalidToken) {
				t.Errorf("token after unlink: err = %v, want ErrInvalidToken", err)
			}
			if _, err := e.c.Refresh(t.Context(), &kakaoapi.Token{RefreshToken: e.raw.RefreshToken}); !errors.Is(err, kakaoapi.ErrRefreshTokenInvalid) {
				t.Errorf("refresh after unlink: err = %v, want ErrRefreshTokenInvalid", err)
			}
		}
	}
	cases := []apiCase[int64]{
		{name: "Bearer: user unlinked, tokens revoked", prep: asUser(kakaotest.UserJunho, "account_email"), check: unlinked(kakaotest.UserJunho)},
		{name: "admin key: user unlinked, tokens revoked", prep: asAdmin(kakaotest.UserMinji, "account_email"), check: unlinked(kakaotest.UserMinji)},
		{name: "C77: unlinking again is ErrNotLinked (treat as done)",
			prep: func(t *testing.T, e *fakeEnv) kakaoapi.Auth {
				a := asAdmin(kakaotest.UserMinji)(t, e)
				if _, err := e.c.Unlink(t.Context(), a); err != nil {
					t.Fatal(err)
				}
				return a
			},
			want: []error{kakaoapi.ErrNotLinked}, check: wantAPIErr[int64](kakaoapi.CodeNotLinked, 400)},
	}
	runCases(t, m, concat(cases, authCases[int64](false), kapiFaultCases[int64](asUser(kakaotest.UserMinji))))
}

// preRegistered logs id in on a manual-link app: linked, signup pending.
func preRegistered(id int64) func(*testing.T, *fakeEnv) kakaoapi.Auth {
	return func(t *testing.T, e *fakeEnv) kakaoapi.Auth {
		e.exchange(t, id)
		u, err := e.c.Me(t.Context(), kakaoapi.Bearer(e.tok.AccessToken), nil)
		if err != nil || !isFalseP(u.HasSignedUp) {
			t.Fatalf("before signup: err %v, has_signed_up %v; want false", err, u)
		}
		e.raw.AccessToken = e.tok.AccessToken
		return kakaoapi.Bearer(e.tok.AccessToken)
	}
}

var manualLink = kakaotest.WithBehavior(func(b *kakaotest.Behavior) { b.AutoLink = false })

func TestFakeSignup(t *testing.T) {
	t.Parallel()
	m := idMethod(kakaotest.PathSignup, func(ctx context.Context, e *fakeEnv, a kakaoapi.Auth) (int64, error) {
		return e.c.Signup(ctx, a, map[string]string{"signup_source": "kakao"})
	})
	cases := []apiCase[int64]{
		{name: "pre-registered user signs up with properties", opts: []kakaotest.Option{manualLink}, prep: preRegistered(kakaotest.UserJunho),
			check: func(t *testing.T, e *fakeEnv, id int64, _ error) {
				wantID(kakaotest.UserJunho)(t, e, id, nil)
				u, err := e.c.Me(t.Context(), kakaoapi.Bearer(e.raw.AccessToken), nil)
				if err != nil || !isTrueP(u.HasSignedUp) || u.Properties["signup_source"] != "kakao" {
					t.Errorf("after signup: err %v user %+v; want has_signed_up true and the property", err, u)
				}
			}},
		{name: "signup without properties", opts: []kakaotest.Option{manualLink}, prep: preRegistered(kakaotest.UserMinji),
			call: func(ctx context.Context, e *fakeEnv, a kakaoapi.Auth) (int64, error) { return e.c.Signup(ctx, a, nil) },
			check: func(t *testing.T, e *fakeEnv, id int64, _ error) {
				wantID(kakaotest.UserMinji)(t, e, id, nil)
				if r := e.fake.Requests(); r[len(r)-1].Form.Has("properties") {
					t.Error("properties sent although none were given")
				}
			}},
		{name: "second signup is ErrAlreadyRegistered (-102)", opts: []kakaotest.Option{manualLink},
			prep: func(t *testing.T, e *fakeEnv) kakaoapi.Auth {
				a := preRegistered(kakaotest.UserMinji)(t, e)
				if _, err := e.c.Signup(t.Context(), a, nil); err != nil {
					t.Fatal(err)
				}
				return a
			},
			want: []error{kakaoapi.ErrAlreadyRegistered}, check: wantAPIErr[int64](kakaoapi.CodeAlreadyRegistered, 400)},
		{name: "auto-link app is ErrAlreadyRegistered", prep: asUser(kakaotest.UserMinji), want: []error{kakaoapi.ErrAlreadyRegistered}},
		{name: "undefined property key is ErrUnknownProperty (-201)", opts: []kakaotest.Option{manualLink}, prep: preRegistered(kakaotest.UserMinji),
			call: func(ctx context.Context, e *fakeEnv, a kakaoapi.Auth) (int64, error) {
				return e.c.Signup(ctx, a, map[string]string{"shoe_size": "270"})
			},
			want: []error{kakaoapi.ErrUnknownProperty}, check: wantAPIErr[int64](kakaoapi.CodeUnknownProperty, 400)},
	}
	faults := withFakeOpts(kapiFaultCases[int64](preRegistered(kakaotest.UserMinji)), manualLink)
	runCases(t, m, concat(cases, authCases[int64](true), faults))
}

func TestFakeUpdateProfile(t *testing.T) {
	t.Parallel()
	props := map[string]string{"member_grade": "gold", "signup_source": "카카오"}
	m := idMethod(kakaotest.PathUpdateProfile, func(ctx context.Context, e *fakeEnv, a kakaoapi.Auth) (int64, error) {
		return e.c.UpdateProfile(ctx, a, props)
	})
	cases := []apiCase[int64]{
		{name: "properties stored and returned by Me", prep: asUser(kakaotest.UserJunho),
			check: func(t *testing.T, e *fakeEnv, id int64, _ error) {
				wantID(kakaotest.UserJunho)(t, e, id, nil)
				u, err := e.me(t, kakaotest.UserJunho)
				if err != nil || !maps.Equal(u.Properties, props) {
					t.Errorf("after update: err %v properties %v, want %v", err, u, props)
				}
			}},
		{name: "undefined key is ErrUnknownProperty (-201)", prep: asUser(kakaotest.UserMinji),
			call: func(ctx context.Context, e *fakeEnv, a kakaoapi.Auth) (int64, error) {
				return e.c.UpdateProfile(ctx, a, map[string]string{"grade": "gold"})
			},
			want: []error{kakaoapi.ErrUnknownProperty}, check: wantAPIErr[int64](kakaoapi.CodeUnknownProperty, 400)},
		{name: "no properties is rejected locally", prep: asUser(kakaotest.UserMinji),
			call: func(ctx context.Context, e *fakeEnv, a kakaoapi.Auth) (int64, error) {
				return e.c.UpdateProfile(ctx, a, nil)
			},
			local: true},
	}
	runCases(t, m, concat(cases, authCases[int64](true), kapiFaultCases[int64](asUser(kakaotest.UserMinji))))
}

func findScope(info *kakaoapi.ScopeInfo, id string) (kakaoapi.Scope, bool) {
	for _, s := range info.Scopes {
		if s.ID == id {
			return s, true
		}
	}
	return kakaoapi.Scope{}, false
}

func TestFakeScopes(t *testing.T) {
	t.Parallel()
	m := method[*kakaoapi.ScopeInfo]{
		path: kakaotest.PathScopes,
		call: func(ctx context.Context, e *fakeEnv, a kakaoapi.Auth) (*kakaoapi.ScopeInfo, error) {
			return e.c.Scopes(ctx, a)
		},
	}
	states := func(id int64) func(*testing.T, *fakeEnv, *kakaoapi.ScopeInfo, error) {
		return func(t *testing.T, _ *fakeEnv, info *kakaoapi.ScopeInfo, _ error) {
			if info.ID != id || len(info.Scopes) != len(kakaotest.DefaultConsentItems()) {
				t.Fatalf("info id %d with %d scopes", info.ID, len(info.Scopes))
			}
			nick, _ := findScope(info, "profile_nickname")
			email, _ := findScope(info, "account_email")
			ship, _ := findScope(info, "shipping_address")
			talk, _ := findScope(info, "talk_message")
			if !nick.Agreed || !isFalseP(nick.Revocable) || nick.Type != kakaoapi.ScopePrivacy || !nick.Using {
				t.Errorf("profile_nickname %+v: want agreed, not revocable", nick)
			}
			if !email.Agreed || !isTrueP(email.Revocable) {
				t.Errorf("account_email %+v: want agreed, revocable", email)
			}
			if ship.Agreed || ship.Revocable != nil {
				t.Errorf("shipping_address %+v: want not agreed, no revocable field", ship)
			}
			if talk.Type != kakaoapi.ScopeService || talk.DisplayName == "" {
				t.Errorf("talk_message %+v", talk)
			}
		}
	}
	cases := []apiCase[*kakaoapi.ScopeInfo]{
		{name: "Bearer: consent state of every item, ID > 2^53", prep: asUser(kakaotest.UserJunho, "account_email"), check: states(kakaotest.UserJunho)},
		{name: "admin key variant", prep: asAdmin(kakaotest.UserMinji, "account_email"), check: states(kakaotest.UserMinji)},
		{name: "restricted to given scope IDs", prep: asUser(kakaotest.UserMinji, "account_email"),
			call: func(ctx context.Context, e *fakeEnv, a kakaoapi.Auth) (*kakaoapi.ScopeInfo, error) {
				return e.c.Scopes(ctx, a, "account_email", "gender")
			},
			check: func(t *testing.T, _ *fakeEnv, info *kakaoapi.ScopeInfo, _ error) {
				var ids []string
				for _, s := range info.Scopes {
					ids = append(ids, s.ID)
				}
				if slices.Sort(ids); !slices.Equal(ids, []string{"account_email", "gender"}) {
					t.Errorf("scopes %v", ids)
				}
			}},
	}
	runCases(t, m, concat(cases, authCases[*kakaoapi.ScopeInfo](false), kapiFaultCases[*kakaoapi.ScopeInfo](asUser(kakaotest.UserMinji))))
}

func TestFakeRevokeScopes(t *testing.T) {
	t.Parallel()
	m := method[*kakaoapi.ScopeInfo]{
		path: kakaotest.PathRevokeScopes,
		call: func(ctx context.Context, e *fakeEnv, a kakaoapi.Auth) (*kakaoapi.ScopeInfo, error) {
			return e.c.RevokeScopes(ctx, a, "account_email")
		},
	}
	revoked := func(id int64) func(*testing.T, *fakeEnv, *kakaoapi.ScopeInfo, error) {
		return func(t *testing.T, e *fakeEnv, info *kakaoapi.ScopeInfo, _ error) {
			s, ok := findScope(info, "account_email")
			if info.ID != id || !ok || s.Agreed || s.Revocable != nil {
				t.Errorf("account_email after revoke %+v", s)
			}
			u, err := e.me(t, id)
			if err != nil || u.KakaoAccount.Email != "" || !isTrueP(u.KakaoAccount.EmailNeedsAgreement) {
				t.Errorf("Me after revoke: err %v, account %+v; want email absent, needs_agreement true", err, u)
			}
		}
	}
	cases := []apiCase[*kakaoapi.ScopeInfo]{
		{name: "Bearer: revocable item withdrawn", prep: asUser(kakaotest.UserJunho, "account_email"), check: revoked(kakaotest.UserJunho)},
		{name: "admin key variant", prep: asAdmin(kakaotest.UserMinji, "account_email"), check: revoked(kakaotest.UserMinji)},
		{name: "required item is ErrNotRevocable (-3, 403)", prep: asUser(kakaotest.UserMinji, "account_email"),
			call: func(ctx context.Context, e *fakeEnv, a kakaoapi.Auth) (*kakaoapi.ScopeInfo, error) {
				return e.c.RevokeScopes(ctx, a, "profile_nickname")
			},
			want: []error{kakaoapi.ErrNotRevocable}, check: wantAPIErr[*kakaoapi.ScopeInfo](kakaoapi.CodeNotAllowed, 403)},
		{name: "item not agreed is ErrBadParameter (-2)", prep: asUser(kakaotest.UserMinji),
			want: []error{kakaoapi.ErrBadParameter}, check: wantAPIErr[*kakaoapi.ScopeInfo](kakaoapi.CodeBadParameter, 400)},
		{name: "unknown scope ID is ErrBadParameter (-2)", prep: asUser(kakaotest.UserMinji, "account_email"),
			call: func(ctx context.Context, e *fakeEnv, a kakaoapi.Auth) (*kakaoapi.ScopeInfo, error) {
				return e.c.RevokeScopes(ctx, a, "email")
			},
			want: []error{kakaoapi.ErrBadParameter}},
		{name: "no scopes is rejected locally", prep: asUser(kakaotest.UserMinji),
			call: func(ctx context.Context, e *fakeEnv, a kakaoapi.Auth) (*kakaoapi.ScopeInfo, error) {
				return e.c.RevokeScopes(ctx, a)
			},
			local: true},
	}
	runCases(t, m, concat(cases, authCases[*kakaoapi.ScopeInfo](false), kapiFaultCases[*kakaoapi.ScopeInfo](asUser(kakaotest.UserMinji, "account_email"))))
}

// syncUser completes a Kakao Sync login for id: all three default terms
// agreed on the consent screen (agreed_by KAUTH).
func syncUser(id int64) func(*testing.T, *fakeEnv) kakaoapi.Auth {
	return func(t *testing.T, e *fakeEnv) kakaoapi.Auth {
		e.exchange(t, id)
		e.raw.AccessToken = e.tok.AccessToken
		return kakaoapi.Bearer(e.tok.AccessToken)
	}
}

func termTags(ts []kakaoapi.ServiceTerm) []string {
	var out []string
	for _, t := range ts {
		out = append(out, t.Tag)
	}
	slices.Sort(out)
	return out
}

var noSync = kakaotest.WithServiceTerms()

func TestFakeServiceTerms(t *testing.T) {
	t.Parallel()
	call := func(o *kakaoapi.ServiceTermsOptions) func(context.Context, *fakeEnv, kakaoapi.Auth) (*kakaoapi.ServiceTermsInfo, error) {
		return func(ctx context.Context, e *fakeEnv, a kakaoapi.Auth) (*kakaoapi.ServiceTermsInfo, error) {
			return e.c.ServiceTerms(ctx, a, o)
		}
	}
	m := method[*kakaoapi.ServiceTermsInfo]{path: kakaotest.PathServiceTerms, call: call(nil)}
	cases := []apiCase[*kakaoapi.ServiceTermsInfo]{
		{name: "agreed terms with agreed_at as time.Time and agreed_by KAUTH", prep: syncUser(kakaotest.UserJunho),
			check: func(t *testing.T, e *fakeEnv, info *kakaoapi.ServiceTermsInfo, _ error) {
				if info.ID != kakaotest.UserJunho || !slices.Equal(termTags(info.ServiceTerms), []string{"terms_marketing", "terms_privacy", "terms_service"}) {
					t.Fatalf("info %+v", info)
				}
				for _, st := range info.ServiceTerms {
					if !st.Agreed || st.AgreedAt == nil || !st.AgreedAt.Equal(e.clock.Now()) || st.AgreedBy != "KAUTH" ||
						st.Required == nil || st.Revocable == nil ||
						*st.Revocable != !*st.Required || *st.Required != (st.Tag != "terms_marketing") {
						t.Errorf("term %+v", st)
					}
				}
			}},
		{name: "app_service_terms lists unagreed terms too",
			prep: func(t *testing.T, e *fakeEnv) kakaoapi.Auth {
				a := syncUser(kakaotest.UserMinji)(t, e)
				if err := e.fake.SetTermAgreed(kakaotest.UserMinji, "terms_marketing", false); err != nil {
					t.Fatal(err)
				}
				return a
			},
			call: call(&kakaoapi.ServiceTermsOptions{Result: kakaoapi.AppServiceTerms}),
			check: func(t *testing.T, _ *fakeEnv, info *kakaoapi.ServiceTermsInfo, _ error) {
				if len(info.ServiceTerms) != 3 {
					t.Fatalf("terms %+v", info.ServiceTerms)
				}
				for _, st := range info.ServiceTerms {
					if st.Tag == "terms_marketing" && (st.Agreed || !isFalseP(st.Revocable) || st.AgreedAt != nil || st.AgreedBy != "") {
						t.Errorf("withdrawn term %+v", st)
					}
				}
			}},
		{name: "restricted to tags", prep: syncUser(kakaotest.UserMinji),
			call: call(&kakaoapi.ServiceTermsOptions{Tags: []string{"terms_marketing", "terms_privacy"}}),
			check: func(t *testing.T, _ *fakeEnv, info *kakaoapi.ServiceTermsInfo, _ error) {
				if got := termTags(info.ServiceTerms); !slices.Equal(got, []string{"terms_marketing", "terms_privacy"}) {
					t.Errorf("tags %v", got)
				}
			}},
		{name: "no agreed terms: list absent", prep: asUser(kakaotest.UserMinji),
			check: func(t *testing.T, _ *fakeEnv, info *kakaoapi.ServiceTermsInfo, _ error) {
				if info.ID != kakaotest.UserMinji || len(info.ServiceTerms) != 0 {
					t.Errorf("info %+v", info)
				}
			}},
		{name: "unknown tag is ErrBadParameter (-2)", prep: syncUser(kakaotest.UserMinji),
			call: call(&kakaoapi.ServiceTermsOptions{Tags: []string{"promo"}}),
			want: []error{kakaoapi.ErrBadParameter}, check: wantAPIErr[*kakaoapi.ServiceTermsInfo](kakaoapi.CodeBadParameter, 400)},
		{name: "app without Kakao Sync is -3 (not ErrNotRevocable)", opts: []kakaotest.Option{noSync}, prep: asUser(kakaotest.UserMinji), fail: true,
			check: func(t *testing.T, e *fakeEnv, info *kakaoapi.ServiceTermsInfo, err error) {
				wantAPIErr[*kakaoapi.ServiceTermsInfo](kakaoapi.CodeNotAllowed, 403)(t, e, info, err)
				if errors.Is(err, kakaoapi.ErrNotRevocable) {
					t.Error("-3 outside a revoke API matched ErrNotRevocable")
				}
			}},
	}
	runCases(t, m, concat(cases, authCases[*kakaoapi.ServiceTermsInfo](false), kapiFaultCases[*kakaoapi.ServiceTermsInfo](asUser(kakaotest.UserMinji))))
}

func TestFakeRevokeServiceTerms(t *testing.T) {
	t.Parallel()
	tags := func(tags ...string) func(context.Context, *fakeEnv, kakaoapi.Auth) (*kakaoapi.ServiceTermsInfo, error) {
		return func(ctx context.Context, e *fakeEnv, a kakaoapi.Auth) (*kakaoapi.ServiceTermsInfo, error) {
			return e.c.RevokeServiceTerms(ctx, a, tags...)
		}
	}
	m := method[*kakaoapi.ServiceTermsInfo]{path: kakaotest.PathRevokeTerms, call: tags("terms_marketing")}
	cases := []apiCase[*kakaoapi.ServiceTermsInfo]{
		{name: "revocable term withdrawn", prep: syncUser(kakaotest.UserJunho),
			check: func(t *testing.T, e *fakeEnv, info *kakaoapi.ServiceTermsInfo, _ error) {
				if info.ID != kakaotest.UserJunho || len(info.RevokedServiceTerms) != 1 ||
					info.RevokedServiceTerms[0].Tag != "terms_marketing" || info.RevokedServiceTerms[0].Agreed {
					t.Errorf("info %+v", info)
				}
				if u, _ := e.fake.User(kakaotest.UserJunho); slices.Contains(u.AgreedTerms, "terms_marketing") {
					t.Error("term still agreed in the fake")
				}
			}},
		{name: "admin key variant", prep: func(t *testing.T, e *fakeEnv) kakaoapi.Auth {
			syncUser(kakaotest.UserMinji)(t, e)
			return kakaoapi.Admin(e.fake.AdminKey, kakaotest.UserMinji)
		}, check: func(t *testing.T, _ *fakeEnv, info *kakaoapi.ServiceTermsInfo, _ error) {
			if len(info.RevokedServiceTerms) != 1 {
				t.Errorf("info %+v", info)
			}
		}},
		{name: "required term is left out, not an error", prep: syncUser(kakaotest.UserMinji), call: tags("terms_service"),
			check: func(t *testing.T, _ *fakeEnv, info *kakaoapi.ServiceTermsInfo, _ error) {
				if info.ID != kakaotest.UserMinji || len(info.RevokedServiceTerms) != 0 {
					t.Errorf("info %+v, want nothing revoked", info)
				}
			}},
		{name: "unknown tag is ErrBadParameter (-2)", prep: syncUser(kakaotest.UserMinji), call: tags("promo_2024"),
			want: []error{kakaoapi.ErrBadParameter}, check: wantAPIErr[*kakaoapi.ServiceTermsInfo](kakaoapi.CodeBadParameter, 400)},
		{name: "no tags is rejected locally", prep: syncUser(kakaotest.UserMinji), call: tags(), local: true},
	}
	runCases(t, m, concat(cases, authCases[*kakaoapi.ServiceTermsInfo](false), kapiFaultCases[*kakaoapi.ServiceTermsInfo](asUser(kakaotest.UserMinji))))
}

func TestFakeUpgradeServiceTerms(t *testing.T) {
	t.Parallel()
	tags := func(tags ...string) func(context.Context, *fakeEnv, kakaoapi.Auth) (*kakaoapi.ServiceTermsInfo, error) {
		return func(ctx context.Context, e *fakeEnv, a kakaoapi.Auth) (*kakaoapi.ServiceTermsInfo, error) {
			return e.c.UpgradeServiceTerms(ctx, a, tags...)
		}
	}
	m := method[*kakaoapi.ServiceTermsInfo]{path: kakaotest.PathUpgradeTerms, call: tags("terms_service", "terms_marketing")}
	cases := []apiCase[*kakaoapi.ServiceTermsInfo]{
		{name: "terms recorded with agreed_by KAPI and agreed_at now",
			prep: func(t *testing.T, e *fakeEnv) kakaoapi.Auth {
				a := asUser(kakaotest.UserJunho)(t, e)
				e.clock.Advance(time.Hour)
				return a
			},
			check: func(t *testing.T, e *fakeEnv, info *kakaoapi.ServiceTermsInfo, _ error) {
				if info.ID != kakaotest.UserJunho || !slices.Equal(termTags(info.AgreedServiceTerms), []string{"terms_marketing", "terms_service"}) {
					t.Fatalf("info %+v", info)
				}
				for _, st := range info.AgreedServiceTerms {
					if !st.Agreed || st.AgreedBy != "KAPI" || st.AgreedAt == nil || !st.AgreedAt.Equal(e.clock.Now()) {
						t.Errorf("term %+v", st)
					}
				}
			}},
		{name: "already agreed terms are left out", prep: syncUser(kakaotest.UserMinji),
			check: func(t *testing.T, _ *fakeEnv, info *kakaoapi.ServiceTermsInfo, _ error) {
				if len(info.AgreedServiceTerms) != 0 {
					t.Errorf("info %+v, want nothing newly agreed", info)
				}
			}},
		{name: "admin key variant", prep: asAdmin(kakaotest.UserMinji), call: tags("terms_marketing"),
			check: func(t *testing.T, _ *fakeEnv, info *kakaoapi.ServiceTermsInfo, _ error) {
				if len(info.AgreedServiceTerms) != 1 {
					t.Errorf("info %+v", info)
				}
			}},
		{name: "unknown tag is ErrBadParameter (-2)", prep: asUser(kakaotest.UserMinji), call: tags("promo"),
			want: []error{kakaoapi.ErrBadParameter}},
		{name: "no tags is rejected locally", prep: asUser(kakaotest.UserMinji), call: tags(), local: true},
	}
	runCases(t, m, concat(cases, authCases[*kakaoapi.ServiceTermsInfo](false), kapiFaultCases[*kakaoapi.ServiceTermsInfo](asUser(kakaotest.UserMinji))))
}

func TestFakeShippingAddresses(t *testing.T) {
	t.Parallel()
	call := func(o *kakaoapi.ShippingOptions) func(context.Context, *fakeEnv, kakaoapi.Auth) (*kakaoapi.ShippingInfo, error) {
		return func(ctx context.Context, e *fakeEnv, a kakaoapi.Auth) (*kakaoapi.ShippingInfo, error) {
			return e.c.ShippingAddresses(ctx, a, o)
		}
	}
	m := method[*kakaoapi.ShippingInfo]{path: kakaotest.PathShipping, call: call(nil)}
	ids := func(want ...int64) func(*testing.T, *fakeEnv, *kakaoapi.ShippingInfo, error) {
		return func(t *testing.T, _ *fakeEnv, s *kakaoapi.ShippingInfo, _ error) {
			var got []int64
			for _, a := range s.Addresses {
				got = append(got, a.ID)
			}
			if s.UserID != kakaotest.UserMinji || !isFalseP(s.NeedsAgreement) || !slices.Equal(got, want) {
				t.Errorf("user %d needs %v addresses %v, want %v", s.UserID, s.NeedsAgreement, got, want)
			}
		}
	}
	ok := asUser(kakaotest.UserMinji, "shipping_address")
	cases := []apiCase[*kakaoapi.ShippingInfo]{
		{name: "addresses decoded, default first, updated_at as time.Time", prep: ok,
			check: func(t *testing.T, e *fakeEnv, s *kakaoapi.ShippingInfo, err error) {
				ids(101, 102)(t, e, s, err)
				home, work := s.Addresses[0], s.Addresses[1]
				if !home.IsDefault || !home.UpdatedAt.Equal(time.Unix(1717200000, 0)) || home.ZoneNumber != "06236" ||
					home.Type != "NEW" || home.Name != "집" || home.ReceiverName != "김민지" {
					t.Errorf("home %+v", home)
				}
				if work.IsDefault || work.ZipCode != "463400" || work.Type != "OLD" || !work.UpdatedAt.Equal(time.Unix(1709251200, 0)) {
					t.Errorf("work %+v", work)
				}
			}},
		{name: "admin key variant", prep: asAdmin(kakaotest.UserMinji, "shipping_address"), check: ids(101, 102)},
		{name: "address_id selects one", prep: ok, call: call(&kakaoapi.ShippingOptions{AddressID: 102}), check: ids(102)},
		{name: "from_updated_at pages backwards", prep: ok,
			call: call(&kakaoapi.ShippingOptions{FromUpdatedAt: time.Unix(1717200000, 0), PageSize: 2}), check: ids(102)},
		{name: "no consent: needs_agreement true, no addresses", prep: asUser(kakaotest.UserMinji),
			check: func(t *testing.T, _ *fakeEnv, s *kakaoapi.ShippingInfo, _ error) {
				if s.UserID != kakaotest.UserMinji || !isTrueP(s.NeedsAgreement) || len(s.Addresses) != 0 {
					t.Errorf("info %+v", s)
				}
			}},
		{name: "page_size under 2 is ErrBadParameter (-2)", prep: ok, call: call(&kakaoapi.ShippingOptions{PageSize: 1}),
			want: []error{kakaoapi.ErrBadParameter}, check: wantAPIErr[*kakaoapi.ShippingInfo](kakaoapi.CodeBadParameter, 400)},
		{name: "consent item not enabled for the app is -3",
			opts: []kakaotest.Option{kakaotest.WithConsentItems(kakaotest.DefaultConsentItems()[:9]...)},
			prep: asUser(kakaotest.UserMinji), fail: true, check: wantAPIErr[*kakaoapi.ShippingInfo](kakaoapi.CodeNotAllowed, 403)},
	}
	runCases(t, m, concat(cases, authCases[*kakaoapi.ShippingInfo](false), kapiFaultCases[*kakaoapi.ShippingInfo](ok)))
}
