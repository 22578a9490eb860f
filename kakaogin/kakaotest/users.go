package kakaotest

import (
	"fmt"
	"maps"
	"slices"
	"time"
)

// User is a Kakao account as the fake knows it: the full profile plus its
// initial link and consent state for the fake's app. Empty profile fields
// mean the account has no such data.
type User struct {
	ID                int64  // service user ID; may exceed 2^53
	Nickname          string // kakao_account.profile.nickname
	ProfileImageURL   string // 640x640 image
	ThumbnailImageURL string // 110x110 image, also the ID-token picture
	IsDefaultImage    bool
	IsDefaultNickname bool
	Name              string
	Email             string
	EmailValid        bool
	EmailVerified     bool
	AgeRange          string // e.g. "30~39"
	Birthyear         string // YYYY
	Birthday          string // MMDD
	BirthdayType      string // SOLAR or LUNAR
	IsLeapMonth       bool
	Gender            string // female or male
	PhoneNumber       string // "+82 10-1234-5678"
	CI                string
	CIAuthenticatedAt time.Time
	UUID              string // for_partner.uuid (needs talk_message consent)
	Shipping          []ShippingAddress

	// Linked starts the user linked to the app (as if they logged in
	// before) with Consents agreed, AgreedTerms agreed and Properties set.
	Linked      bool
	Consents    []string
	AgreedTerms []string
	Properties  map[string]string
	// Decline lists optional consent items this user unticks when the fake
	// approves automatically (simulates a user refusing optional items).
	Decline []string
}

// ShippingAddress is one of a user's shipping addresses. Its strings are
// sent as "" when empty, not left out, as Kakao does (an address without a
// second phone number has "receiver_phone_number2": "").
type ShippingAddress struct {
	ID                   int64  `json:"id"`
	Name                 string `json:"name"`
	IsDefault            bool   `json:"is_default"`
	UpdatedAt            int64  `json:"updated_at,omitempty"`
	Type                 string `json:"type"`
	BaseAddress          string `json:"base_address"`
	DetailAddress        string `json:"detail_address"`
	ReceiverName         string `json:"receiver_name"`
	ReceiverPhoneNumber1 string `json:"receiver_phone_number1"`
	ReceiverPhoneNumber2 string `json:"receiver_phone_number2"`
	ZoneNumber           string `json:"zone_number"`
	ZipCode              string `json:"zip_code"`
}

// ConsentItem is a consent item (scope) configured for the app.
type ConsentItem struct {
	ID          string // scope ID, e.g. "account_email"
	DisplayName string // label on the consent screen
	Type        string // "PRIVACY" or "SERVICE"
	Required    bool   // required items are always agreed and not revocable
	// OnDemand items ("consent during use") are not on the first consent
	// screen; they are asked for only through authorize's scope.
	OnDemand bool
}

// ServiceTerm is a Kakao Sync service term configured for the app.
type ServiceTerm struct {
	Tag      string
	Title    string // label on the consent screen
	Required bool
}

// Well-known demo user IDs of DefaultUsers.
const (
	UserMinji   int64 = 4012345678
	UserJunho   int64 = 1376016924429759243 // > 2^53
	UserSeoyeon int64 = 2984711002
)

// DefaultUsers returns a few realistic Korean demo users, none linked yet.
// 이준호 has an ID above 2^53 and an unverified email (so the ID token
// carries no email); 박서연 has Kakao's default picture and no phone.
func DefaultUsers() []User {
	return []User{
		{
			ID: UserMinji, Nickname: "민지", Name: "김민지",
			ProfileImageURL:   "https://k.kakaocdn.net/dn/bQx1/btsA9/Zq7w/img_640x640.jpg",
			ThumbnailImageURL: "https://k.kakaocdn.net/dn/bQx1/btsA9/Zq7w/img_110x110.jpg",
			Email:             "minji@example.com", EmailValid: true, EmailVerified: true,
			AgeRange: "30~39", Birthyear: "1991", Birthday: "0214", BirthdayType: "SOLAR",
			Gender: "female", PhoneNumber: "+82 10-2345-6789", UUID: "xYzAbC1234dEfGh",
			CI: "Uq3vQ2xM9b0kCiDemoCiValue==", CIAuthenticatedAt: time.Date(2020, 1, 2, 3, 4, 5, 0, time.UTC),
			Shipping: []ShippingAddress{
				{ID: 101, Name: "집", IsDefault: true, UpdatedAt: 1717200000, Type: "NEW",
					BaseAddress: "서울특별시 강남구 테헤란로 152", DetailAddress: "12층",
					ReceiverName: "김민지", ReceiverPhoneNumber1: "010-2345-6789", ZoneNumber: "06236"},
				{ID: 102, Name: "회사", UpdatedAt: 1709251200, Type: "OLD",
					BaseAddress: "경기도 성남시 분당구 백현동 532", DetailAddress: "판교오피스 3층",
					ReceiverName: "김민지", ReceiverPhoneNumber1: "010-2345-6789", ZipCode: "463400"},
			},
		},
		{
			ID: UserJunho, Nickname: "준호", Name: "이준호",
			ProfileImageURL:   "https://k.kakaocdn.net/dn/cJh2/btsB1/Xy8e/img_640x640.jpg",
			ThumbnailImageURL: "https://k.kakaocdn.net/dn/cJh2/btsB1/Xy8e/img_110x110.jpg",
			Email:             "junho.lee@example.kr", EmailValid: true, EmailVerified: false,
			AgeRange: "20~29", Birthyear: "1998", Birthday: "1103", BirthdayType: "LUNAR",
			Gender: "male", PhoneNumber: "+82 10-9876-5432",
		},
		{
			ID: UserSeoyeon, Nickname: "서연", Name: "박서연",
			ProfileImageURL:   "https://k.kakaocdn.net/dn/default/img_640x640.jpg",
			ThumbnailImageURL: "https://k.kakaocdn.net/dn/default/img_110x110.jpg",
			IsDefaultImage:    true,
			Email:             "seoyeon.park@example.com", EmailValid: true, EmailVerified: true,
			AgeRange: "40~49", Birthday: "0730", BirthdayType: "SOLAR", Gender: "female",
		},
	}
}

// DefaultConsentItems returns the app's default consent items: nickname
// (required), picture, email, name, gender, age range, birthday, birth year,
// phone (optional), shipping address and Talk messages (on demand).
func DefaultConsentItems() []ConsentItem {
	return []ConsentItem{
		{ID: "profile_nickname", DisplayName: "닉네임", Type: "PRIVACY", Required: true},
		{ID: "profile_image", DisplayName: "프로필 사진", Type: "PRIVACY"},
		{ID: "account_email", DisplayName: "카카오계정(이메일)", Type: "PRIVACY"},
		{ID: "name", DisplayName: "이름", Type: "PRIVACY"},
		{ID: "gender", DisplayName: "성별", Type: "PRIVACY"},
		{ID: "age_range", DisplayName: "연령대", Type: "PRIVACY"},
		{ID: "birthday", DisplayName: "생일", Type: "PRIVACY"},
		{ID: "birthyear", DisplayName: "출생 연도", Type: "PRIVACY"},
		{ID: "phone_number", DisplayName: "카카오계정(전화번호)", Type: "PRIVACY"},
		{ID: "shipping_address", DisplayName: "배송지정보(수령인명, 배송지 주소, 전화번호)", Type: "PRIVACY", OnDemand: true},
		{ID: "talk_message", DisplayName: "카카오톡 메시지 전송", Type: "SERVICE", OnDemand: true},
	}
}

// DefaultServiceTerms returns the default Kakao Sync terms: two required,
// one optional marketing term.
func DefaultServiceTerms() []ServiceTerm {
	return []ServiceTerm{
		{Tag: "terms_service", Title: "서비스 이용약관", Required: true},
		{Tag: "terms_privacy", Title: "개인정보 수집 및 이용 동의", Required: true},
		{Tag: "terms_marketing", Title: "마케팅 정보 수신 동의"},
	}
}

// agreement is one consent or term agreement.
type agreement struct {
	at time.Time
	by string // KAUTH or KAPI (terms only)
}

// userState is a user plus its mutable state for the app.
type userState struct {
	User
	linked      bool
	signedUp    bool // manual-link apps only
	connectedAt time.Time
	synchedAt   time.Time
	consents    map[string]agreement
	terms       map[string]agreement
	props       map[string]string
}

func (s *Server) newUserState(u User) *userState {
	now := s.now()
	st := &userState{User: cloneUser(u), consents: map[string]agreement{}, terms: map[string]agreement{}, props: map[string]string{}}
	if u.Linked {
		st.linked, st.signedUp, st.connectedAt = true, true, now
		for _, id := range u.Consents {
			st.consents[id] = agreement{at: now}
		}
		for _, it := range s.scopes {
			if it.Required {
				st.consents[it.ID] = agreement{at: now}
			}
		}
		for _, tag := range u.AgreedTerms {
			st.terms[tag] = agreement{at: now, by: "KAUTH"}
		}
		if len(s.terms) > 0 {
			st.synchedAt = now
		}
		maps.Copy(st.props, u.Properties)
	}
	return st
}

func cloneUser(u User) User {
	u.Shipping = slices.Clone(u.Shipping)
	u.Consents = slices.Clone(u.Consents)
	u.AgreedTerms = slices.Clone(u.AgreedTerms)
	u.Decline = slices.Clone(u.Decline)
	u.Properties = maps.Clone(u.Properties)
	return u
}

// AddUser adds u, or replaces the user with the same ID (and its state).
func (s *Server) AddUser(u User) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if _, ok := s.users[u.ID]; !ok {
		s.order = append(s.order, u.ID)
	}
	s.users[u.ID] = s.newUserState(u)
}

// User returns the user with id, with its current link, consent, term and
// property state filled into Linked, Consents, AgreedTerms and Properties.
func (s *Server) User(id int64) (User, bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	st, ok := s.users[id]
	if !ok {
		return User{}, false
	}
	u := cloneUser(st.User)
	u.Linked = st.linked
	u.Consents = slices.Sorted(maps.Keys(st.consents))
	u.AgreedTerms = slices.Sorted(maps.Keys(st.terms))
	u.Properties = maps.Clone(st.props)
	return u, true
}

// Users returns the IDs of all users in the order they were added.
func (s *Server) Users() []int64 {
	s.mu.Lock()
	defer s.mu.Unlock()
	return slices.Clone(s.order)
}

// SetConsent sets whether userID agreed to the consent item (scope) item.
// It does not change whether the user is linked.
func (s *Server) SetConsent(userID int64, item string, agreed bool) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	st, ok := s.users[userID]
	if !ok {
		return fmt.Errorf("kakaotest: set consent: %w: %d", ErrUnknownUser, userID)
	}
	if _, ok := s.scopeByID(item); !ok {
		return fmt.Errorf("kakaotest: set consent: %w: %q", ErrUnknownScope, item)
	}
	if agreed {
		st.consents[item] = agreement{at: s.now()}
	} else {
		delete(st.consents, item)
	}
	return nil
}

// SetTermAgreed sets whether userID agreed to the service term tag.
func (s *Server) SetTermAgreed(userID int64, tag string, agreed bool) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	st, ok := s.users[userID]
	if !ok {
		return fmt.Errorf("kakaotest: set term: %w: %d", ErrUnknownUser, userID)
	}
	if _, ok := s.termByTag(tag); !ok {
		return fmt.Errorf("kakaotest: set term: %w: %q", ErrUnknownTerm, tag)
	}
	if agreed {
		st.terms[tag] = agreement{at: s.now(), by: "KAPI"}
	} else {
		delete(st.terms, tag)
	}
	return nil
}

// SetLoginUser chooses the user that "logs in to Kakao" when authorize
// approves automatically and no Kakao session or login_hint picks another
// (default: the first user).
func (s *Server) SetLoginUser(id int64) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	if _, ok := s.users[id]; !ok {
		return fmt.Errorf("kakaotest: set login user: %w: %d", ErrUnknownUser, id)
	}
	s.loginUser = id
	return nil
}

func (s *Server) scopeByID(id string) (ConsentItem, bool) {
	for _, it := range s.scopes {
		if it.ID == id {
			return it, true
		}
	}
	return ConsentItem{}, false
}

func (s *Server) termByTag(tag string) (ServiceTerm, bool) {
	for _, t := range s.terms {
		if t.Tag == tag {
			return t, true
		}
	}
	return ServiceTerm{}, false
}

// agreed reports whether st agreed to scope id, treating the legacy
// "profile" item as covering nickname and image.
func (st *userState) agreed(id string) bool {
	_, ok := st.consents[id]
	return ok
}

// unlink withdraws everything the user gave the app.
func (st *userState) unlink() {
	st.linked, st.signedUp = false, false
	st.connectedAt, st.synchedAt = time.Time{}, time.Time{}
	clear(st.consents)
	clear(st.terms)
	clear(st.props)
}
