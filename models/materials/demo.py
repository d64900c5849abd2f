"""Promotional material in the demo: brochures in stock, bags running low, a purchase request."""

from models.materials import Material, PurchaseRequest
from models.service import Job


def activity(users):
    clerk, manager, tech = users["clerk"], users["manager"], users["tech1"]
    brochure = Material.add(clerk, "产品宣传册", "A4 彩页 16P", "份", low_stock=50)
    brochure.receive(clerk, 500, "印刷厂交货")
    job = Job.select().where(Job.technician == tech.id).order_by(Job.id).first()
    brochure.issue(tech, 5, "customer", job.customer_name if job else "客户", "上门服务时赠送", job=job)
    brochure.issue(clerk, 120, "event", "上海国际机床展", "展台派发")
    bags = Material.add(clerk, "环保手提袋", "无纺布 印公司标志", "个", low_stock=30)
    bags.receive(clerk, 60)
    bags.issue(clerk, 40, "colleague", "销售部 周经理", "客户拜访")
    bags.stocktake(manager, 18, "盘点少 2 个，已查明为样品")
    calendar = Material.add(clerk, "台历", "2027 年", "本", low_stock=20)
    calendar.receive(clerk, 200)
    PurchaseRequest.ask(clerk, bags, 300, "库存不足，下月展会需要")
