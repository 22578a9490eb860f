package main

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"net/url"
	"path/filepath"
	"strings"
	"time"

	"golang.org/x/crypto/bcrypt"
	_ "modernc.org/sqlite" // database/sql driver "sqlite"
)

// siteUser is one of the site's own accounts. Kakao links live in the
// session store's link table, not here: the site needs no kakao_id column.
type siteUser struct {
	ID            string
	Email         string
	EmailVerified bool
	Name          string
	HasPassword   bool
	// Epoch is bumped by "log out everywhere"; site_user cookies of an
	// older epoch stop working.
	Epoch int64
}

// Seeded demo account (also the email of the demo Kakao user 민지, so a
// Kakao login as 민지 finds it and offers linking).
const (
	demoEmail    = "demo@example.com"
	demoPassword = "demo1234"
	demoName     = "데모 사용자"
	demoUserID   = "site-demo"
)

var errNoUser = errors.New("site user not found")

// siteUsers is the site's user table in <data>/site.db.
type siteUsers struct {
	db        *sql.DB
	dummyHash []byte // compared against for unknown users
}

const usersSchema = `CREATE TABLE IF NOT EXISTS site_users (
	id             TEXT PRIMARY KEY,
	email          TEXT UNIQUE,
	password_hash  TEXT,
	email_verified INT NOT NULL DEFAULT 0,
	name           TEXT NOT NULL DEFAULT '',
	epoch          INT NOT NULL DEFAULT 0
)`

// openUsers opens the table and seeds the demo account. The password
// hashes are made first: they take the CPU time bcrypt is meant to take
// (seconds under the race detector on a busy machine), which must not
// count against the deadline of the database calls.
func openUsers(dir string) (*siteUsers, error) {
	dummy, err := bcrypt.GenerateFromPassword(randomBytes(16), bcrypt.DefaultCost)
	if err != nil {
		return nil, fmt.Errorf("users: hash: %w", err)
	}
	demoHash, err := bcrypt.GenerateFromPassword([]byte(demoPassword), bcrypt.DefaultCost)
	if err != nil {
		return nil, fmt.Errorf("users: hash: %w", err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 15*time.Second)
	defer cancel()
	dsn := "file:" + filepath.ToSlash(filepath.Join(dir, "site.db")) + "?" + url.Values{
		"_pragma": {"busy_timeout(5000)", "journal_mode(WAL)"},
	}.Encode()
	db, err := sql.Open("sqlite", dsn)
	if err != nil {
		return nil, fmt.Errorf("users: open: %w", err)
	}
	if _, err := db.ExecContext(ctx, usersSchema); err != nil {
		db.Close()
		return nil, fmt.Errorf("users: create table: %w", err)
	}
	u := &siteUsers{db: db, dummyHash: dummy}
	if err := u.seedWith(ctx, demoHash); err != nil {
		db.Close()
		return nil, err
	}
	return u, nil
}

func (u *siteUsers) Close() error { return u.db.Close() }

// seed creates the demo account when it is missing.
func (u *siteUsers) seed(ctx context.Context) error {
	hash, err := bcrypt.GenerateFromPassword([]byte(demoPassword), bcrypt.DefaultCost)
	if err != nil {
		return fmt.Errorf("users: hash: %w", err)
	}
	return u.seedWith(ctx, hash)
}

// seedWith creates the demo account, with the password hash given, when
// it is missing.
func (u *siteUsers) seedWith(ctx context.Context, hash []byte) error {
	_, err := u.db.ExecContext(ctx, `INSERT OR IGNORE INTO site_users (id, email, password_hash, email_verified, name)
		VALUES (?, ?, ?, 1, ?)`, demoUserID, demoEmail, string(hash), demoName)
	if err != nil {
		return fmt.Errorf("users: seed: %w", err)
	}
	return nil
}

const userCols = `id, COALESCE(email, ''), email_verified, name, password_hash IS NOT NULL, epoch`

func scanUser(row *sql.Row) (siteUser, error) {
	var s siteUser
	err := row.Scan(&s.ID, &s.Email, &s.EmailVerified, &s.Name, &s.HasPassword, &s.Epoch)
	if errors.Is(err, sql.ErrNoRows) {
		return s, errNoUser
	}
	if err != nil {
		return s, fmt.Errorf("users: read: %w", err)
	}
	return s, nil
}

func (u *siteUsers) byID(ctx context.Context, id string) (siteUser, error) {
	return scanUser(u.db.QueryRowContext(ctx, `SELECT `+userCols+` FROM site_users WHERE id = ?`, id))
}

func (u *siteUsers) byEmail(ctx context.Context, email string) (siteUser, error) {
	return scanUser(u.db.QueryRowContext(ctx, `SELECT `+userCols+` FROM site_users WHERE email = ?`, strings.ToLower(email)))
}

// loginByEmail and loginByID return the user whose password is pw, or
// errNoUser. Both spend a bcrypt comparison even for unknown users, so
// timing does not tell which emails exist.
func (u *siteUsers) loginByEmail(ctx context.Context, email, pw string) (siteUser, error) {
	return u.checkPassword(ctx, "email", strings.ToLower(strings.TrimSpace(email)), pw)
}

func (u *siteUsers) loginByID(ctx context.Context, id, pw string) (siteUser, error) {
	return u.checkPassword(ctx, "id", id, pw)
}

func (u *siteUsers) checkPassword(ctx context.Context, col, val, pw string) (siteUser, error) {
	var id string
	var hash sql.NullString
	err := u.db.QueryRowContext(ctx, `SELECT id, password_hash FROM site_users WHERE `+col+` = ?`, val).Scan(&id, &hash)
	if err != nil && !errors.Is(err, sql.ErrNoRows) {
		return siteUser{}, fmt.Errorf("users: read: %w", err)
	}
	ok := hash.Valid
	if !ok {
		hash.String = string(u.dummyHash)
	}
	if bcrypt.CompareHashAndPassword([]byte(hash.String), []byte(pw)) != nil || !ok {
		return siteUser{}, errNoUser
	}
	return u.byID(ctx, id)
}

// create inserts a user made by the signup form (no password: Kakao is
// its way in). email is kept only when Kakao verified it and no one has it.
func (u *siteUsers) create(ctx context.Context, name, email string) (string, error) {
	id := "site-" + fmt.Sprintf("%x", randomBytes(8))
	var em any
	if email != "" {
		em = strings.ToLower(email)
	}
	_, err := u.db.ExecContext(ctx, `INSERT INTO site_users (id, email, email_verified, name) VALUES (?, ?, ?, ?)`,
		id, em, em != nil, name)
	if err != nil && em != nil { // the address is taken: keep the account without it
		_, err = u.db.ExecContext(ctx, `INSERT INTO site_users (id, name) VALUES (?, ?)`, id, name)
	}
	if err != nil {
		return "", fmt.Errorf("users: create: %w", err)
	}
	return id, nil
}

// delete removes a user; the seeded demo account comes back fresh, so
// the demo keeps working after "delete account".
func (u *siteUsers) delete(ctx context.Context, id string) error {
	if _, err := u.db.ExecContext(ctx, `DELETE FROM site_users WHERE id = ?`, id); err != nil {
		return fmt.Errorf("users: delete: %w", err)
	}
	if id == demoUserID {
		return u.seed(ctx)
	}
	return nil
}

// bumpEpoch ends every site_user cookie of id.
func (u *siteUsers) bumpEpoch(ctx context.Context, id string) error {
	if _, err := u.db.ExecContext(ctx, `UPDATE site_users SET epoch = epoch + 1 WHERE id = ?`, id); err != nil {
		return fmt.Errorf("users: bump epoch: %w", err)
	}
	return nil
}
