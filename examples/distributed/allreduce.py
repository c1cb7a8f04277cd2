"""Paddle collective mode, for real: every worker joins a ring over the endpoints in
PADDLE_TRAINER_ENDPOINTS and runs a ring all-reduce (reduce-scatter, then all-gather), the
algorithm NCCL and Gloo use, on plain TCP.

Run by every replica of a `framework: paddle` job with only `worker` members (replicas >= 2):
    /usr/bin/python3 allreduce.py
Two all-reduces: one of a vector whose sum every rank can predict, and one of a digest of the
rendezvous env, which proves that every replica was given the same view of the job.
"""
import sys
import zlib

from pfdist import (check, check_task_env, connect, endpoint_list, env, env_int, listen, recv,
                    report, send, wait_for_gate)

CHUNK = 1000


def checks():
    role, index, me = check_task_env()
    check(role == "worker", "collective mode runs workers only, not %s" % role)
    check(env("TRAINING_ROLE") == "TRAINER", "TRAINING_ROLE is not TRAINER")
    check(env("PF_JOB_MODE") == "Collective", "PF_JOB_MODE is not Collective")
    check(env("PADDLE_PSERVERS_IP_PORT_LIST") == "", "collective jobs have no pservers")
    endpoints = endpoint_list("PADDLE_TRAINER_ENDPOINTS")
    world, rank = env_int("PADDLE_TRAINERS_NUM"), env_int("PADDLE_TRAINER_ID")
    check(len(endpoints) == world >= 2, "PADDLE_TRAINERS_NUM vs PADDLE_TRAINER_ENDPOINTS")
    check(len(set(endpoints)) == world, "two trainers share an endpoint")
    check(rank == index, "PADDLE_TRAINER_ID != PF_TASK_INDEX")
    check(endpoints[rank] == env("PADDLE_CURRENT_ENDPOINT") == me,
          "PADDLE_CURRENT_ENDPOINT is not this trainer's entry of PADDLE_TRAINER_ENDPOINTS")
    check(env("PADDLE_TRAINERS") == ",".join(ep.rsplit(":", 1)[0] for ep in endpoints),
          "PADDLE_TRAINERS is not the trainers' hosts")
    return rank, world, endpoints


def ring_allreduce(vec, rank, world, to_next, from_prev):
    """In place: every rank ends with the element-wise sum over all ranks."""
    n = len(vec) // world

    def chunk(k):
        return slice((k % world) * n, (k % world + 1) * n)

    for step in range(world - 1):  # reduce-scatter: rank r ends owning chunk r+1, summed
        send(to_next, vec[chunk(rank - step)])
        got, k = recv(from_prev), chunk(rank - step - 1)
        vec[k] = [a + b for a, b in zip(vec[k], got)]
    for step in range(world - 1):  # all-gather: pass the finished chunks around
        send(to_next, vec[chunk(rank + 1 - step)])
        vec[chunk(rank - step)] = recv(from_prev)
    return vec


def main():
    rank, world, endpoints = checks()
    server = listen(endpoints[rank])
    wait_for_gate()
    to_next = connect(endpoints[(rank + 1) % world])  # completes once the peer listens
    from_prev, _ = server.accept()
    print("rank %d/%d: ring %s -> me -> %s" % (rank, world, endpoints[rank - 1],
                                               endpoints[(rank + 1) % world]), flush=True)

    vec = ring_allreduce([(rank + 1) * (i + 1) for i in range(CHUNK * world)], rank, world,
                         to_next, from_prev)
    factor = world * (world + 1) // 2
    check(vec == [factor * (i + 1) for i in range(CHUNK * world)], "all-reduce sum is wrong")

    view = "|".join([env("PADDLE_JOB_ID"), env("PADDLE_TRAINER_ENDPOINTS"),
                     env("PADDLE_TRAINERS_NUM"), env("PF_TASK_ENDPOINTS")])
    digest = zlib.crc32(view.encode())
    onehot = [digest if r == rank else 0 for r in range(world)]
    seen = ring_allreduce(onehot, rank, world, to_next, from_prev)
    check(seen == [digest] * world, "replicas disagree on the job's endpoints: %s" % seen)

    to_next.close()
    from_prev.close()
    print("rank %d: all-reduce of %d floats over %d workers ok" % (rank, len(vec), world),
          flush=True)
    report(role="worker", rank=rank, world=world, endpoints=endpoints, sum_ok=True,
           digest=digest)
    return 0


if __name__ == "__main__":
    sys.exit(main())
