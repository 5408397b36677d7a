"""Does cost grow linearly? Time `iaclint check` on generated templates: 500 resources, 20
independent conditions (2**20 scenarios, over the cap), and 495 resources that refer to one
another (queues, buckets and their policies, functions and their triggers, VPCs, subnets,
route tables and routes), which rules relate pairwise.

    python benchmarks/scale.py [--runs N]
"""

from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path


def five_hundred_resources() -> str:
    body = "".join(
        f"  Queue{i}:\n    Type: AWS::SQS::Queue\n    Properties:\n"
        f"      QueueName: !Sub '${{AWS::StackName}}-{i}'\n      VisibilityTimeout: 60\n"
        f"  Topic{i}:\n    Type: AWS::SNS::Topic\n    DependsOn: Queue{i}\n"
        for i in range(250)
    )
    return "Resources:\n" + body


def twenty_conditions() -> str:
    params = "".join(
        f"  P{i}:\n    Type: String\n    AllowedValues: [a, b]\n    Default: a\n" for i in range(20)
    )
    conditions = "".join(f"  C{i}: !Equals [!Ref P{i}, b]\n" for i in range(20))
    resources = "".join(
        f"  Db{i}:\n    Type: AWS::RDS::DBInstance\n    Properties:\n      Engine: mysql\n"
        f"      DBInstanceClass: db.t3.micro\n      StorageEncrypted: !If [C{i}, true, false]\n"
        for i in range(20)
    )
    return f"Parameters:\n{params}Conditions:\n{conditions}Resources:\n{resources}"


def related_resources(copies: int) -> str:
    """`copies` copies of an 11-resource stack whose checks relate resources to one another: queues
    and buckets whose dead-letter target or log bucket comes from another stack (unknowns
    that might name any queue or bucket), bucket policies, functions fed by queues, subnets
    with route tables and routes, and cost tags on some resources only."""
    parts = []
    for i in range(copies):
        parts.append(
            f"""
  Queue{i}:
    Type: AWS::SQS::Queue
    Properties:
      RedrivePolicy: {{deadLetterTargetArn: !ImportValue shared-dlq, maxReceiveCount: 5}}
  Bucket{i}:
    Type: AWS::S3::Bucket
    Properties:
      LoggingConfiguration: {{DestinationBucketName: !ImportValue logs}}
      Tags: [{{Key: {"CostCenter" if i % 2 else "Team"}, Value: x}}]
  Policy{i}:
    Type: AWS::S3::BucketPolicy
    Properties:
      Bucket: !Ref Bucket{i}
      PolicyDocument:
        Statement:
          - {{Effect: Allow, Principal: {{AWS: !GetAtt Role{i}.Arn}}, Action: s3:GetObject,
              Resource: !Sub "arn:aws:s3:::${{Bucket{i}}}/*"}}
  Role{i}:
    Type: AWS::IAM::Role
    Properties:
      AssumeRolePolicyDocument:
        Statement: [{{Effect: Allow, Principal: {{Service: lambda.amazonaws.com}},
                     Action: sts:AssumeRole}}]
  Function{i}:
    Type: AWS::Lambda::Function
    Properties:
      Runtime: python3.12
      Handler: index.handler
      Role: !GetAtt Role{i}.Arn
      Code: {{ZipFile: "def handler(event, context): pass"}}
  Mapping{i}:
    Type: AWS::Lambda::EventSourceMapping
    Properties: {{EventSourceArn: !GetAtt Queue{i}.Arn, FunctionName: !Ref Function{i}}}
  Vpc{i}:
    Type: AWS::EC2::VPC
    Properties: {{CidrBlock: 10.{i % 250}.0.0/16}}
  Subnet{i}:
    Type: AWS::EC2::Subnet
    Properties: {{VpcId: !Ref Vpc{i}, CidrBlock: 10.{i % 250}.1.0/24}}
  Table{i}:
    Type: AWS::EC2::RouteTable
    Properties: {{VpcId: !Ref Vpc{i}}}
  Association{i}:
    Type: AWS::EC2::SubnetRouteTableAssociation
    Properties: {{SubnetId: !Ref Subnet{i}, RouteTableId: !Ref Table{i}}}
  Route{i}:
    Type: AWS::EC2::Route
    Properties: {{RouteTableId: !Ref Table{i}, DestinationCidrBlock: 0.0.0.0/0,
                 NatGatewayId: !ImportValue nat}}"""
        )
    return "Resources:" + "".join(parts) + "\n"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=5)
    args = parser.parse_args(argv)
    iaclint = str(Path(sys.executable).parent / "iaclint")
    env = {k: v for k, v in os.environ.items() if k != "PYTHONDONTWRITEBYTECODE"}
    with tempfile.TemporaryDirectory() as folder:
        for name, text in (
            ("500-resources", five_hundred_resources()),
            ("20-conditions", twenty_conditions()),
            ("495-related-resources", related_resources(45)),
        ):
            path = Path(folder) / f"{name}.yaml"
            path.write_text(text)
            command = [iaclint, "check", "--no-cache", "--fail-level", "note", str(path)]
            subprocess.run(command, capture_output=True, env=env, check=False)  # warm-up
            walls = []
            for _ in range(args.runs):
                start = time.perf_counter()
                result = subprocess.run(
                    command, capture_output=True, text=True, env=env, check=False
                )
                walls.append(time.perf_counter() - start)
            cap = " (scenario cap reported)" if "scenario-cap" in result.stdout else ""
            runs = ", ".join(f"{w:.2f}" for w in walls)
            summary = result.stdout.strip().splitlines()[-1]
            print(f"| {name} | {statistics.median(walls):.3f} | {runs} | {summary}{cap} |")
    return 0


if __name__ == "__main__":
    sys.exit(main())
