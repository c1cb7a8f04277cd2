"""The executor side of spark_driver.py: registers with the driver at SPARK_DRIVER_ENDPOINT,
counts the words of the partition it is given, sends the counts back, and ends when the
driver says stop.

Run by every `executor` replica:  /usr/bin/python3 spark_executor.py
"""
import collections
import sys

from pfdist import check, check_task_env, connect, env, env_int, recv, report, send


def main():
    role, index, _ = check_task_env()
    check(role == "executor", "spark_executor.py runs as an executor, not %s" % role)
    check(index < env_int("SPARK_EXECUTOR_INSTANCES"), "index beyond SPARK_EXECUTOR_INSTANCES")
    cores = env_int("SPARK_EXECUTOR_CORES")
    driver = connect(env("SPARK_DRIVER_ENDPOINT"))
    send(driver, {"op": "register", "executor": index, "cores": cores})
    done = []
    while True:
        msg = recv(driver)
        if msg["op"] == "stop":
            break
        counts = collections.Counter(w for line in msg["lines"] for w in line.split())
        send(driver, {"op": "result", "partition": msg["partition"], "counts": counts})
        done.append(msg["partition"])
    print("executor %d: partitions %s done" % (index, done), flush=True)
    report(role="executor", index=index, partitions=done, cores=cores)
    send(driver, {"op": "bye"})
    return 0


if __name__ == "__main__":
    sys.exit(main())
