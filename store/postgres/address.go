package postgres

import (
	"net"
	"strconv"

	"github.com/jackc/pgx/v5/pgxpool"
)

// address is host:port/database, the part of the URL that errors may show.
func address(c *pgxpool.Config) string {
	cc := c.ConnConfig
	return net.JoinHostPort(cc.Host, strconv.Itoa(int(cc.Port))) + "/" + cc.Database
}
