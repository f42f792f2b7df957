package org.tandemlb.core.backend.balance;

/** A plain {@link Candidate} for balancer tests, with a settable load. */
final class TestServer implements Candidate {

    private final String id;
    private int weight;
    private int active;

    TestServer(String id, int weight) {
        this(id, weight, 0);
    }

    TestServer(String id, int weight, int active) {
        this.id = id;
        this.weight = weight;
        this.active = active;
    }

    @Override
    public String id() {
        return id;
    }

    @Override
    public int weight() {
        return weight;
    }

    @Override
    public int activeConnections() {
        return active;
    }

    void setActive(int active) {
        this.active = active;
    }

    void setWeight(int weight) {
        this.weight = weight;
    }

    @Override
    public String toString() {
        return id;
    }
}
