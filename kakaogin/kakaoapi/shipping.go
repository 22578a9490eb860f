package kakaoapi

import (
	"context"
	"encoding/json"
	"net/http"
	"net/url"
	"strconv"
	"time"
)

// ShippingOptions are the optional parameters of ShippingAddresses.
type ShippingOptions struct {
	// AddressID returns only this address when not 0.
	AddressID int64
	// FromUpdatedAt pages backwards: only addresses modified before this
	// time are returned. Pass the last address's UpdatedAt to get the next
	// page; zero starts from the beginning.
	FromUpdatedAt time.Time
	// PageSize is the number of addresses per page (at least 2; Kakao's
	// default 10 when 0).
	PageSize int
}

// ShippingInfo is the answer of ShippingAddresses.
type ShippingInfo struct {
	UserID int64 `json:"user_id"`
	// Addresses is empty without consent or without addresses.
	Addresses []ShippingAddress `json:"shipping_addresses,omitempty"`
	// NeedsAgreement is true when consent would be needed.
	NeedsAgreement *bool `json:"shipping_addresses_needs_agreement,omitempty"`
}

// ShippingAddress is one shipping address.
type ShippingAddress struct {
	ID                   int64     `json:"id"`
	Name                 string    `json:"name,omitempty"` // label, e.g. "회사"
	IsDefault            bool      `json:"is_default"`
	UpdatedAt            time.Time `json:"-"`              // zero if absent; sent as Unix seconds
	Type                 string    `json:"type,omitempty"` // "NEW" (road name) or "OLD" (lot number)
	BaseAddress          string    `json:"base_address,omitempty"`
	DetailAddress        string    `json:"detail_address,omitempty"`
	ReceiverName         string    `json:"receiver_name,omitempty"`
	ReceiverPhoneNumber1 string    `json:"receiver_phone_number1,omitempty"`
	ReceiverPhoneNumber2 string    `json:"receiver_phone_number2,omitempty"`
	ZoneNumber           string    `json:"zone_number,omitempty"` // 5-digit postcode
	ZipCode              string    `json:"zip_code,omitempty"`    // old 6-digit postcode
}

// UnmarshalJSON decodes an address, with updated_at as Unix seconds.
func (a *ShippingAddress) UnmarshalJSON(b []byte) error {
	type plain ShippingAddress
	var j struct {
		plain
		UpdatedAt *int64 `json:"updated_at"`
	}
	if err := json.Unmarshal(b, &j); err != nil {
		return err
	}
	*a = ShippingAddress(j.plain)
	a.UpdatedAt = unixTime(j.UpdatedAt)
	return nil
}

// ShippingAddresses returns the user's shipping addresses
// (/v1/user/shipping_address); needs the shipping_address consent item.
// opts may be nil.
func (c *Client) ShippingAddresses(ctx context.Context, auth Auth, opts *ShippingOptions) (*ShippingInfo, error) {
	e := endpoint{op: "shipping addresses", method: http.MethodGet, path: "/v1/user/shipping_address"}
	params := url.Values{}
	if opts != nil {
		if opts.AddressID != 0 {
			params.Set("address_id", strconv.FormatInt(opts.AddressID, 10))
		}
		if !opts.FromUpdatedAt.IsZero() {
			params.Set("from_updated_at", strconv.FormatInt(opts.FromUpdatedAt.Unix(), 10))
		}
		if opts.PageSize != 0 {
			params.Set("page_size", strconv.Itoa(opts.PageSize))
		}
	}
	var s ShippingInfo
	if err := c.api(ctx, e, auth, params, &s); err != nil {
		return nil, err
	}
	if s.UserID <= 0 {
		return nil, wrapMalformed(e.op, "missing user_id")
	}
	return &s, nil
}
