"""A stand-in for the Python original's Temporal side, written from its specification
(shared/spec/ORIGINAL.md §9): the same dataclasses, the same workflow steps, the same activity
names and payload shapes. Its scrape is a stand-in (one truck per brewery, no parsing): the
tests it serves are about what crosses the wire between the original's processes and ours.

    python3 original.py worker ADDRESS QUEUE
    python3 original.py start ADDRESS QUEUE WORKFLOW_ID CONFIG_PATH [--deploy]
"""

import asyncio
import dataclasses
import json
import os
import signal
import sys
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any, Dict, List, Optional

from temporalio import activity, workflow
from temporalio.client import Client
from temporalio.worker import UnsandboxedWorkflowRunner, Worker

DEFAULT_REPOSITORY = "https://github.com/steveandroulakis/ballard-food-trucks.git"


@dataclass
class WorkflowParams:
    config_path: Optional[str] = None
    deploy: bool = False
    git_repository_url: str = DEFAULT_REPOSITORY
    max_parallel_scrapes: int = 10


@dataclass
class WorkflowResult:
    success: bool
    message: str
    events_count: Optional[int] = None
    errors: Optional[List[str]] = None
    deployed: bool = False


@activity.defn
async def test_connectivity() -> str:
    return "Activity connectivity test successful"


@activity.defn
async def load_brewery_config(config_path: Optional[str]) -> List[Dict[str, Any]]:
    with open(config_path) as f:
        data = json.load(f)
    return [
        {
            "key": b["key"],
            "name": b["name"],
            "url": b["url"],
            "parser_config": b.get("parser_config", {}),
        }
        for b in data.get("breweries", [])
    ]


@activity.defn
async def scrape_single_brewery(brewery: Dict[str, Any]) -> Dict[str, Any]:
    today = datetime.now().date().isoformat()
    event = {
        "brewery_key": brewery["key"],
        "brewery_name": brewery["name"],
        "food_truck_name": f"{brewery['name']} Truck",
        "date": today + "T00:00:00",
        "start_time": None,
        "end_time": None,
        "description": None,
        "ai_generated_name": False,
    }
    return {"events": [event], "error": None}


@activity.defn
async def scrape_food_trucks(breweries: List[Dict[str, Any]]) -> List[Any]:
    return [[], []]


@activity.defn
async def generate_web_data(data: Dict[str, Any]) -> Dict[str, Any]:
    return {"events": data.get("events", []), "total_events": len(data.get("events", [])), "errors": []}


@activity.defn
async def deploy_to_git(data: Dict[str, Any]) -> bool:
    return True


@workflow.defn
class FoodTruckWorkflow:
    @workflow.run
    async def run(self, params: WorkflowParams) -> WorkflowResult:
        try:
            breweries = await workflow.execute_activity(
                load_brewery_config,
                params.config_path,
                schedule_to_close_timeout=timedelta(seconds=30),
            )
            events: List[Dict[str, Any]] = []
            errors: List[Dict[str, Any]] = []
            batch = max(1, params.max_parallel_scrapes)
            for i in range(0, len(breweries), batch):
                results = await asyncio.gather(
                    *[
                        workflow.execute_activity(
                            scrape_single_brewery,
                            b,
                            schedule_to_close_timeout=timedelta(minutes=2),
                        )
                        for b in breweries[i : i + batch]
                    ]
                )
                for r in results:
                    events.extend(r["events"])
                    if r.get("error"):
                        errors.append(r["error"])
            deployed = False
            if params.deploy and events:
                web_data = await workflow.execute_activity(
                    generate_web_data,
                    {"events": events, "errors": errors},
                    schedule_to_close_timeout=timedelta(seconds=30),
                )
                deployed = await workflow.execute_activity(
                    deploy_to_git,
                    {"web_data": web_data, "repository_url": params.git_repository_url},
                    schedule_to_close_timeout=timedelta(minutes=2),
                )
            return WorkflowResult(
                success=True,
                message=f"Workflow completed successfully. Found {len(events)} events.",
                events_count=len(events),
                errors=[e["message"] for e in errors],
                deployed=deployed,
            )
        except Exception as e:  # the original's: any failure is a failed result
            return WorkflowResult(False, f"Workflow failed: {e}", 0, [str(e)], False)


async def run_worker(address: str, queue: str) -> None:
    client = await Client.connect(address)
    worker = Worker(
        client,
        task_queue=queue,
        workflows=[FoodTruckWorkflow],
        activities=[
            test_connectivity,
            load_brewery_config,
            scrape_single_brewery,
            scrape_food_trucks,
            generate_web_data,
            deploy_to_git,
        ],
        workflow_runner=UnsandboxedWorkflowRunner(),
    )
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    loop.add_signal_handler(signal.SIGTERM, stop.set)
    loop.add_signal_handler(signal.SIGINT, stop.set)
    async with worker:
        print("original worker ready", flush=True)
        await stop.wait()


async def run_starter(address: str, queue: str, workflow_id: str, config: str, deploy: bool) -> None:
    client = await Client.connect(address)
    result = await client.execute_workflow(
        "FoodTruckWorkflow",
        WorkflowParams(config_path=config, deploy=deploy),
        id=workflow_id,
        task_queue=queue,
        result_type=WorkflowResult,
    )
    print(json.dumps(dataclasses.asdict(result)), flush=True)


def main() -> None:
    command, address, queue = sys.argv[1], sys.argv[2], sys.argv[3]
    if command == "worker":
        asyncio.run(run_worker(address, queue))
    elif command == "start":
        asyncio.run(run_starter(address, queue, sys.argv[4], sys.argv[5], "--deploy" in sys.argv))
    else:
        raise SystemExit(f"unknown command {command}")
    # The SDK's core threads can outlive the interpreter's shutdown and abort it; the work is
    # done and its output flushed, so leave without the interpreter's finalisation.
    sys.stdout.flush()
    sys.stderr.flush()
    os._exit(0)


if __name__ == "__main__":
    main()
