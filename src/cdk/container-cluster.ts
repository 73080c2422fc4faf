import { RemovalPolicy, Stack } from "aws-cdk-lib";
import * as ec2 from "aws-cdk-lib/aws-ec2";
import * as ecs from "aws-cdk-lib/aws-ecs";
import * as logs from "aws-cdk-lib/aws-logs";
import { Construct } from "constructs";
import type { AwsContainerConfig } from "../core/config.js";

/** Where the container jobs' services run: the stack's own cluster and VPC, or the app's. */
export interface ContainerClusterProps {
  /** An existing cluster and VPC (by name and ids: no lookups, synth stays offline). @defaultValue a cluster and VPC of the stack */
  readonly existing?: AwsContainerConfig | undefined;
  /** How long the VPC's flow logs are kept. */
  readonly logRetention: logs.RetentionDays;
}

/**
 * The ECS cluster of the container jobs. By default the stack creates one, with Container
 * Insights (its RunningTaskCount and DesiredTaskCount metrics drive the scaling), in a VPC of
 * two public subnets and no NAT gateway: tasks get a public IP to reach SQS, ECR and
 * CloudWatch Logs, and a security group that admits nothing in. A NAT gateway costs about
 * $33 a month per AZ before traffic; a public IPv4 address $0.005 an hour, only while a task
 * runs. With `existing`, the services go into the app's cluster and subnets instead.
 *
 * @example
 * const cluster = new ContainerCluster(stack, "Containers", { logRetention: logs.RetentionDays.ONE_MONTH });
 */
export class ContainerCluster extends Construct {
  readonly cluster: ecs.ICluster;
  /** The subnets the tasks run in. */
  readonly subnets: ec2.SubnetSelection;
  /** The tasks' security groups; empty: each service creates its own (no inbound rule). */
  readonly securityGroups: ReadonlyArray<ec2.ISecurityGroup>;
  /** Whether tasks get a public IP (needed in public subnets without NAT). */
  readonly assignPublicIp: boolean;

  constructor(scope: Construct, id: string, props: ContainerClusterProps) {
    super(scope, id);
    const existing = props.existing;
    if (existing?.clusterName !== undefined) {
      const vpc = ec2.Vpc.fromVpcAttributes(this, "Vpc", {
        vpcId: existing.vpcId!,
        availabilityZones: Stack.of(this).availabilityZones,
      });
      this.cluster = ecs.Cluster.fromClusterAttributes(this, "Cluster", {
        clusterName: existing.clusterName,
        vpc,
      });
      this.subnets = {
        subnets: existing.subnetIds!.map((subnetId, i) =>
          ec2.Subnet.fromSubnetId(this, `Subnet${i + 1}`, subnetId),
        ),
      };
      this.securityGroups = (existing.securityGroupIds ?? []).map((groupId, i) =>
        ec2.SecurityGroup.fromSecurityGroupId(this, `SecurityGroup${i + 1}`, groupId),
      );
      this.assignPublicIp = existing.assignPublicIp ?? false;
      return;
    }
    const vpc = new ec2.Vpc(this, "Vpc", {
      maxAzs: 2,
      natGateways: 0,
      subnetConfiguration: [{ name: "Public", subnetType: ec2.SubnetType.PUBLIC, cidrMask: 24 }],
      // The default group is unused (every service has its own); restricting it needs a
      // custom-resource Lambda the stack would otherwise not have.
      restrictDefaultSecurityGroup: false,
    });
    // Rejected traffic only: what an audit needs (probes of the tasks' public IPs), at a
    // fraction of the log volume of every accepted flow.
    vpc.addFlowLog("RejectedFlows", {
      trafficType: ec2.FlowLogTrafficType.REJECT,
      destination: ec2.FlowLogDestination.toCloudWatchLogs(
        new logs.LogGroup(this, "FlowLogs", {
          retention: props.logRetention,
          removalPolicy: RemovalPolicy.DESTROY,
        }),
      ),
    });
    this.cluster = new ecs.Cluster(this, "Cluster", {
      vpc,
      containerInsightsV2: ecs.ContainerInsights.ENABLED,
    });
    this.subnets = { subnetType: ec2.SubnetType.PUBLIC };
    this.securityGroups = [];
    this.assignPublicIp = true;
  }
}
