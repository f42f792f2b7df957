-- www.foobar.com's database: run on the primary as root; everything here reaches the replica
-- through replication (binlog, GTID), users included.
CREATE DATABASE foobar CHARACTER SET utf8mb4;
CREATE TABLE foobar.entries (
    id BIGINT UNSIGNED NOT NULL AUTO_INCREMENT PRIMARY KEY,
    name VARCHAR(64) NOT NULL,
    message VARCHAR(500) NOT NULL,
    created TIMESTAMP NOT NULL DEFAULT CURRENT_TIMESTAMP
) ENGINE=InnoDB;
INSERT INTO foobar.entries (name, message) VALUES
    ('alice', 'First!'),
    ('bob', 'The page came through Tandem, Nginx and the app; this line from MariaDB.');

-- The application: reads and writes its own tables, nothing else. Without SUPER or READ ONLY
-- ADMIN, the replica's read_only applies to it: a write that reaches the replica fails at once.
CREATE USER 'foobar'@'%' IDENTIFIED BY '@APP_PASSWORD@';
GRANT SELECT, INSERT ON foobar.* TO 'foobar'@'%';

-- Tandem's mysql health check logs in as this user, without a password and without privileges.
CREATE USER 'tandem_check'@'%';

-- The replica's replication connection.
CREATE USER 'repl'@'%' IDENTIFIED BY '@REPL_PASSWORD@';
GRANT REPLICATION SLAVE ON *.* TO 'repl'@'%';

-- prometheus-mysqld-exporter's user (the privileges its documentation asks for).
CREATE USER 'exporter'@'%' IDENTIFIED BY '@EXPORTER_PASSWORD@' WITH MAX_USER_CONNECTIONS 3;
GRANT PROCESS, REPLICATION CLIENT, SELECT, SLAVE MONITOR ON *.* TO 'exporter'@'%';
