"""Realistic Chinese demo data: one user per role and a working department's records."""

import datetime
import math
import random
import struct
import zlib

from models.complaints import Complaint
from models.core import Event, Setting, User, db, now, today
from models.customers import Contract, Customer, Equipment, ProductModel
from models.materials import demo as materials_demo
from models.money import demo as money_demo
from models.service import Appointment, Chaser, Job
from models.surveys import demo as surveys_demo
from models.trips import demo as trips_demo

DEMO_PASSWORD = "demo1234"

DEMO_USERS = [
    ("admin", "系统管理员", "admin", "13800000000"),
    ("clerk", "林晓燕", "clerk", "13800000001"),
    ("manager", "陈建国", "manager", "13800000002"),
    ("tech1", "王师傅", "technician", "13900000001"),
    ("tech2", "李师傅", "technician", "13900000002"),
    ("finance", "赵会计", "finance", "13800000003"),
]

COMPANIES = [
    ("上海华东机械有限公司", "张经理", "上海市普陀区曹杨路 1040 号"),
    ("苏州吴中精密制造厂", "刘主任", "苏州市吴中区越溪街道吴中大道 2588 号"),
    ("杭州西湖食品有限公司", "陈厂长", "杭州市西湖区转塘街道凤起路 88 号"),
    ("无锡新区电子科技有限公司", "周工", "无锡市新吴区长江路 21 号"),
    ("上海浦江物业管理有限公司", "吴经理", "上海市浦东新区张杨路 500 号"),
    ("嘉兴南湖纺织有限公司", "沈厂长", "嘉兴市南湖区中环南路 1369 号"),
    ("宁波港城冷链物流有限公司", "郑经理", "宁波市北仑区新矸街道明州路 301 号"),
    ("昆山同创塑胶制品有限公司", "黄主管", "昆山市玉山镇同丰路 77 号"),
    ("上海长宁区中心医院后勤部", "孙科长", "上海市长宁区仙霞路 1111 号"),
    ("常州武进汽车配件厂", "钱工", "常州市武进区湖塘镇长虹路 9 号"),
    ("南通江海酒店", "冯经理", "南通市崇川区工农路 158 号"),
    ("绍兴柯桥印染有限公司", "何厂长", "绍兴市柯桥区笛扬路 1198 号"),
    ("上海徐汇区第一中学", "马老师", "上海市徐汇区漕溪北路 360 号"),
    ("湖州吴兴木业有限公司", "罗经理", "湖州市吴兴区织里镇栋梁路 6 号"),
    ("扬州广陵超市连锁有限公司", "梁店长", "扬州市广陵区文昌中路 505 号"),
    ("上海闵行区莘庄工业园服务中心", "宋主任", "上海市闵行区莘庄工业区申富路 18 号"),
    ("台州黄岩模具有限公司", "谢经理", "台州市黄岩区北院大道 99 号"),
    ("镇江京口制药有限公司", "韩工", "镇江市京口区学府路 301 号"),
]
PEOPLE = [
    ("赵志强", "上海市静安区延安中路 825 弄 12 号 301 室"),
    ("钱丽华", "上海市杨浦区国定路 335 号 2 号楼 1502 室"),
    ("孙海涛", "苏州市工业园区星湖街 328 号 5 幢 602 室"),
    ("李秀英", "杭州市拱墅区湖墅南路 186 号 3 单元 401 室"),
    ("周文博", "上海市宝山区友谊路 1588 弄 8 号 1103 室"),
    ("吴佳怡", "无锡市梁溪区中山路 218 号 1806 室"),
    ("郑国平", "上海市虹口区四川北路 1666 号 702 室"),
    ("王美玲", "宁波市鄞州区天童南路 555 号 9 幢 1201 室"),
    ("冯建军", "上海市松江区人民北路 2001 弄 3 号 504 室"),
    ("陈晓东", "南京市鼓楼区中山北路 101 号 1105 室"),
    ("褚红梅", "上海市黄浦区西藏南路 1208 号 6 楼 B 座"),
    ("卫志明", "嘉兴市秀洲区洪兴西路 388 号 2 幢 302 室"),
]
PRODUCTS = [
    ("KX-2000 螺杆空压机", "380V 15kW", 365),
    ("HV-350 变频器", "380V 5.5kW", 540),
    ("AC-5P 商用柜式空调", "5 匹 冷暖", 730),
    ("GX-12 工业冷水机", "12HP 风冷", 365),
    ("WF-800 净水设备", "0.8 t/h 反渗透", 365),
    ("DG-30 柴油发电机组", "30kW 静音型", 730),
    ("HP-3 家用热泵热水器", "300L", 1095),
    ("RC-150 商用冷柜", "1.5m 双温", 365),
]
FAULTS = [
    "设备无法启动，开机后控制面板报警 E03",
    "运行时噪音明显增大，伴有异常振动",
    "制冷效果差，出风口温度偏高",
    "排气压力达不到设定值",
    "漏水，机器底部有积水",
    "开机几分钟后自动停机",
    "显示屏不亮，按键无反应",
    "例行保养：更换滤芯、检查管路",
    "遥控器失灵，无法调节温度",
    "启动时跳闸",
]
WORK = [
    "更换启动电容，试机运行正常",
    "清洗冷凝器，补充冷媒，制冷恢复正常",
    "更换进气阀密封圈，压力恢复到 0.8MPa",
    "紧固底座螺栓，更换减震垫，噪音消除",
    "更换滤芯两支，清洗水箱，水质检测合格",
    "更换控制板保险管，检查线路无短路",
]
# picked from the price list on the phone: the code rides along at the end of the name
PARTS = [
    ("启动电容 450V 35uF [P-CAP35]", 1),
    ("R410A 冷媒 (kg) [P-R410A]", 2),
    ("密封圈 DN25 [P-SEAL25]", 4),
    ("PP 滤芯 10 寸 [P-PP10]", 2),
    ("保险管 5A [P-FUSE5]", 2),
    ("客户自备配件安装", 1),
]


def signature_png(seed):
    """A small drawn-looking signature: a wavy stroke on a transparent 240x80 PNG."""
    width, height = 240, 80
    rows = [bytearray(width * 4) for _ in range(height)]
    for x in range(10, 230):
        y = int(40 + 18 * math.sin(x / (9 + seed % 5)) * math.sin(x / 47 + seed))
        for dy in (-1, 0, 1):
            row = rows[max(0, min(height - 1, y + dy))]
            row[x * 4 : x * 4 + 4] = b"\x1d\x24\x30\xff"
    raw = b"".join(b"\x00" + bytes(row) for row in rows)

    def chunk(kind, data):
        body = kind + data
        return struct.pack(">I", len(data)) + body + struct.pack(">I", zlib.crc32(body))

    header = struct.pack(">IIBBBBB", width, height, 8, 6, 0, 0, 0)
    return (
        b"\x89PNG\r\n\x1a\n"
        + chunk(b"IHDR", header)
        + chunk(b"IDAT", zlib.compress(raw, 9))
        + chunk(b"IEND", b"")
    )


def _signature(name, seed=0):
    """The customer signs on the technician's phone."""
    return {"signer_name": name, "image": signature_png(seed)}


def load_demo(seed=7):
    """Fill an empty database with the demo department."""
    rng = random.Random(seed)
    shared_hash = User.hash_password(DEMO_PASSWORD)
    with db.atomic():
        users = {}
        for username, name, role, phone in DEMO_USERS:
            users[username] = User.create_user(
                username, name, role, None, phone=phone, password_hash=shared_hash
            )
        money_demo.price_list(users)
        clerk, manager = users["clerk"], users["manager"]
        for key, value in (
            ("company_name", "华东机电设备服务有限公司"),
            ("company_address", "上海市普陀区中山北路 3000 号"),
            ("company_phone", "400-820-1234"),
        ):
            Setting.set_value(key, value, users["admin"])
        for model, spec, warranty_days in PRODUCTS[:6]:
            ProductModel.add(clerk, model, spec, warranty_months=round(warranty_days / 30.4))
        techs = [users["tech1"], users["tech2"]]
        day = today()
        equipment = []
        for i, (name, contact, address) in enumerate(COMPANIES):
            phones = [
                f"0{rng.choice([21, 512, 571, 510, 574])}-{rng.randint(5000, 8999)} {rng.randint(1000, 9999)}"
            ]
            if i % 3 == 0:
                phones.append(f"13{rng.randint(0, 9)}{rng.randint(10000000, 99999999)}")
            customer = Customer.register(clerk, name, "company", contact, address, phones)
            for j in range(1 + i % 3):
                equipment.append(_equipment(rng, clerk, customer, day, i * 7 + j))
            if i % 4 == 0:
                Contract.register(
                    clerk,
                    customer,
                    f"BY{day.year}-{i + 1:03d}",
                    day - datetime.timedelta(days=90),
                    day + datetime.timedelta(days=275),
                    [e.id for e in customer.equipment],
                    notes="年度保养合同，每季度巡检一次",
                )
        for i, (name, address) in enumerate(PEOPLE):
            customer = Customer.register(
                clerk,
                name,
                "person",
                "",
                address,
                [f"1{rng.choice([35, 38, 39, 58, 86])}{rng.randint(10000000, 99999999)}"],
            )
            equipment.append(_equipment(rng, clerk, customer, day, 200 + i))
        # A product bought long ago whose receipt nobody has found: its warranty is unknown.
        Equipment.register(clerk, customer, "老式燃气热水器", "JSQ20", serial="", purchase_place="不详")

        plan = (
            ["registered"] * 6
            + ["dispatched"] * 5
            + ["on_site"] * 2
            + ["in_repair"] * 2
            + ["done"] * 4
            + ["countersigned"] * 2
            + ["filed"] * 8
            + ["void"]
            + ["repaired"]  # last, so that the jobs before it stay as they were
        )
        rng.shuffle(equipment)
        for k, state in enumerate(plan):
            item = equipment[k % len(equipment)]
            job = Job.register(
                clerk,
                customer=item.customer,
                equipment=item,
                fault=rng.choice(FAULTS),
                channel=rng.choice(["phone", "phone", "phone", "letter", "visit"]),
                preferred_time=rng.choice(["", "上午", "下午 2 点后", "尽快", "明天上午"]),
            )
            _advance(rng, job, state, manager, clerk, rng.choice(techs))
        _complaints(users)
        money_demo.activity(users)
        trips_demo.activity(users)
        materials_demo.activity(users)
        # Two calls from earlier days were never dispatched: they carry over (Art. 11).
        carried = list(Job.select().where(Job.state == "registered").order_by(Job.id).limit(2))
        for back, job in zip((1, 2), carried, strict=False):
            when = day - datetime.timedelta(days=back)
            Job.update(register_day=when, registered_at=now() - datetime.timedelta(days=back)).where(
                Job.id == job.id
            ).execute()
        surveys_demo.load_demo(users)
        _calls(users)


def _calls(users):
    """Appointments agreed with customers and customers who called again (催修)."""
    clerk, day = users["clerk"], today()
    open_jobs = list(Job.select().where(Job.state.in_(("registered", "dispatched"))).order_by(Job.id))
    slots = [("morning", True), ("afternoon", True), ("any", False), ("evening", True)]
    for n, job in enumerate(open_jobs[1:9:2]):
        slot, agreed = slots[n % len(slots)]
        note = "客户要求先电话联系" if n == 0 else ""
        Appointment.set(clerk, job, day + datetime.timedelta(days=n % 3), slot, agreed=agreed, note=note)
    dispatched = [j for j in open_jobs if j.state == "dispatched"]
    for job, said in zip(
        dispatched[:2], ("客户来电催问师傅什么时候到", "第二次来电：生产线停着，请尽快"), strict=False
    ):
        Chaser.add(clerk, job, said)
    if dispatched:
        Chaser.add(clerk, dispatched[0], "客户再次来电，说下午三点前家里有人")


def _equipment(rng, clerk, customer, day, n):
    model, spec, warranty_days = PRODUCTS[n % len(PRODUCTS)]
    bought = day - datetime.timedelta(days=rng.randint(30, 1400))
    return Equipment.register(
        clerk,
        customer,
        model,
        spec,
        serial=f"SN{bought:%y%m}{n:04d}",
        purchase_date=bought,
        purchase_place=rng.choice(["上海总部门市", "苏州经销商", "杭州专卖店", "网上商城"]),
        warranty_end=bought + datetime.timedelta(days=warranty_days),
    )


def _advance(rng, job, state, manager, clerk, tech):
    if state == "registered":
        return
    if state == "void":
        job.void(manager, "客户来电取消，已自行解决")
        return
    job.dispatch(tech, manager)
    if state == "dispatched":
        return
    job.arrive(tech)
    if state == "on_site":
        return
    if state in ("in_repair", "repaired"):
        signer = job.contact_person or job.customer_name
        receipt = {
            "accessories": "电源线一根",
            "condition": "外壳完好，左侧面板有轻微划痕",
            "return_by": today() + datetime.timedelta(days=3),
        }
        job.carry_back(
            tech,
            _signature(signer, job.id),
            "现场无法修复，带回检修",
            receipt=receipt,
            technician_signature=_signature(tech.full_name, job.id + 500)["image"],
        )
        if state == "repaired":  # the workshop's step done: waiting to be taken back
            job.repair(tech, "更换控制板，老化测试 4 小时正常", parts=[rng.choice(PARTS)])
        return
    signature, work = _signature(job.contact_person or job.customer_name, job.id), rng.choice(WORK)
    arrived = now() - datetime.timedelta(minutes=rng.randint(25, 140))
    # A service that took a while was registered and dispatched before the arrival.
    Job.update(
        registered_at=arrived - datetime.timedelta(minutes=20),
        dispatched_at=arrived - datetime.timedelta(minutes=10),
    ).where(Job.id == job.id).execute()
    job.finish(
        tech, signature, work, arrived_at=arrived, parts=[rng.choice(PARTS)] if rng.random() < 0.6 else []
    )
    if state == "done":
        return
    job.countersign(manager)
    if state == "countersigned":
        return
    job.file(clerk)


def _complaints(users):
    """Complaints in every state: one overdue, one being investigated, one awaiting the
    customer's verdict, one closed, one from a caller not on file."""
    clerk, manager, tech = users["clerk"], users["manager"], users["tech1"]
    done = list(
        Job.select().where(Job.state.in_(("done", "countersigned", "filed"))).order_by(Job.id).limit(4)
    )
    first = done[0]
    overdue = Complaint.record(
        clerk,
        said="上周修好的空压机今天又停机了，师傅说好回访也没来电话，很不满意！",
        severity="serious",
        customer=first.customer,
        jobs=[first.id],
    )
    # Recorded yesterday morning and not yet answered: overdue on the board and home pages.
    back = datetime.timedelta(hours=26)
    Complaint.update(
        registered_at=overdue.registered_at - back,
        acknowledge_due=overdue.acknowledge_due - back,
        resolve_due=overdue.resolve_due - back,
    ).where(Complaint.id == overdue.id).execute()
    Event.update(at=overdue.registered_at - back).where(
        Event.subject == "complaint", Event.subject_id == overdue.id
    ).execute()

    second = done[1]
    investigating = Complaint.record(
        clerk, said="收费比电话里说的高了 200 元，要求解释。", customer=second.customer, jobs=[second.id]
    )
    investigating.hand_over(clerk, manager, "涉及收费，由经理处理")
    investigating.acknowledge(manager, "phone", "已致电客户，说明将核实收费明细")
    investigating.investigate(manager, "调阅凭证与配件价目表", cause="fees")

    third = done[2]
    resolved = Complaint.record(
        tech,
        said="客户反映上次维修后噪音变大（现场反映）",
        channel="technician",
        customer=third.customer,
        jobs=[third.id],
    )
    resolved.hand_over(tech, clerk, "回公司后交客服跟进")
    resolved.acknowledge(clerk, "phone", "约好明天上门复查")
    resolved.investigate(clerk, "复查发现风扇固定螺丝松动", cause="quality")
    resolved.resolve(clerk, "quality", "上门紧固风扇并做减振处理", "已处理，噪音恢复正常", "visit")

    fourth = done[3] if len(done) > 3 else done[0]
    closed = Complaint.record(
        clerk,
        said="师傅迟到了两个小时也没提前打电话。",
        severity="normal",
        customer=fourth.customer,
        jobs=[fourth.id],
    )
    closed.acknowledge(clerk, "phone", "已向客户道歉")
    closed.investigate(clerk, "服务人员前一单超时", cause="timeliness")
    closed.resolve(clerk, "timeliness", "提醒服务人员迟到须提前告知客户", "已道歉并说明改进措施", "phone")
    closed.follow_up(clerk, True, "客户表示理解")

    Complaint.record(
        clerk,
        said="买的热水器漏水，打了三次电话没人来。",
        severity="urgent",
        caller_name="吴先生",
        caller_phone="139 1234 5678",
    )
